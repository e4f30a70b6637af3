// Shared parts of balie-admin's source files (store/tools): opening the store the way every
// command does (key from the KeyProvider, exit code 3 with a message when it cannot be opened) and
// the configuration commands (bundle, staff, hosts, routes, texts, device, health) in admin_config.cpp.
#pragma once
#include <filesystem>
#include <memory>
#include <string>

#include "balie/platform/key_provider.h"
#include "balie/store/store.h"

namespace balie::admin {

enum class Create { Never, DemoOnly, Always };

struct Opened {
  std::unique_ptr<store::Store> store;  // null: exit_code says why (message already printed)
  platform::KeyProvider keys;
  std::filesystem::path db_path;
  int exit_code = 0;
};

// db_path empty -> <state dir>/balie.db.
Opened open_store(std::filesystem::path db_path, Create create);

bool is_config_command(const std::string& cmd);
// argv: the arguments after the command word (argc of them). db_path: from --db (may be empty).
int run_config_command(const std::string& cmd, int argc, char** argv, const std::filesystem::path& db_path);

}  // namespace balie::admin
