// write_file_atomic (see atomic_file.h): temp file + fsync + fchmod + rename + fsync of the folder.
#include "balie/platform/atomic_file.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace balie::platform {

bool write_file_atomic(const std::filesystem::path& path, std::string_view content, mode_t mode, std::string* error) {
  auto fail = [&](const std::string& what, int e) {
    if (error != nullptr) *error = what + ": " + std::strerror(e);
    return false;
  };
  const std::filesystem::path dir = path.has_parent_path() ? path.parent_path() : std::filesystem::path(".");
  std::filesystem::path tmp = path;
  tmp += ".tmp-" + std::to_string(::getpid());
  int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0600);
  if (fd < 0) return fail("cannot create " + tmp.string(), errno);
  std::size_t put = 0;
  while (put < content.size()) {
    ssize_t n = ::write(fd, content.data() + put, content.size() - put);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      int e = n < 0 ? errno : EIO;
      ::close(fd);
      ::unlink(tmp.c_str());
      return fail("cannot write " + tmp.string(), e);
    }
    put += static_cast<std::size_t>(n);
  }
  if (::fchmod(fd, mode) != 0 || ::fsync(fd) != 0) {
    int e = errno;
    ::close(fd);
    ::unlink(tmp.c_str());
    return fail("cannot fsync " + tmp.string(), e);
  }
  if (::close(fd) != 0) {
    int e = errno;
    ::unlink(tmp.c_str());
    return fail("cannot close " + tmp.string(), e);
  }
  if (::rename(tmp.c_str(), path.c_str()) != 0) {
    int e = errno;
    ::unlink(tmp.c_str());
    return fail("cannot rename " + tmp.string() + " to " + path.string(), e);
  }
  int dfd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (dfd >= 0) {
    ::fsync(dfd);
    ::close(dfd);
  }
  return true;
}

}  // namespace balie::platform
