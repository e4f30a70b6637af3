// What the real kiosk committed, read back by the kiosk e2e tests: the terminal's encrypted store
// opened with its demo key (KeyMode::Demo, as the kiosk runs under test) and a demo municipality's
// sealing key (the demo receivers derive it the same way), so tests open the sealed parts.
#pragma once
#include <sodium.h>

#include <filesystem>
#include <memory>
#include <string>

#include <gtest/gtest.h>

#include "balie/platform/key_provider.h"
#include "balie/record/codec.h"
#include "balie/store/store.h"

namespace balie::kiosk::testing {

// The store in `state_dir` (the kiosk's BALIE_STATE_DIR), or nullptr with a test failure.
inline std::unique_ptr<store::Store> open_demo_store(const std::filesystem::path& state_dir) {
  platform::KeyProvider kp(platform::KeyMode::Demo, state_dir, {});
  auto key = kp.db_key();
  EXPECT_TRUE(key.ok());
  if (!key.ok()) return nullptr;
  auto st = store::Store::open(state_dir / "balie.db", key.value().bytes());
  EXPECT_TRUE(st.ok()) << (st.ok() ? "" : st.error().message);
  return st.ok() ? std::move(st.value()) : nullptr;
}

// The demo sealing key of municipality `code` ("GM0363").
inline record::BoxKey demo_box(const std::string& code) {
  const std::string s = "balie-demo:" + code + ":box";
  record::Key32 seed{};
  crypto_hash_sha256(seed.data(), reinterpret_cast<const unsigned char*>(s.data()), s.size());
  return record::BoxKey::from_seed(seed);
}

}  // namespace balie::kiosk::testing
