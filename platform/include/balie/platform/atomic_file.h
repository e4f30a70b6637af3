// Atomic replacement of a small public file (platform layer, any thread): write a temporary file in
// the same folder, fsync it, set its mode, rename(2) it over the target and fsync the folder, so a
// reader or a power cut sees the old file or the new one, never a part. Not for secrets.
#pragma once
#include <sys/types.h>

#include <filesystem>
#include <string>
#include <string_view>

namespace balie::platform {

// Returns false and sets `error` (naming the file and the errno text) on failure; the target is then
// unchanged and no temporary file is left behind.
[[nodiscard]] bool write_file_atomic(const std::filesystem::path& path, std::string_view content, mode_t mode,
                                     std::string* error);

}  // namespace balie::platform
