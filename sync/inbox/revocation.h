// Revoked device certificates at a municipality receiver (balie-inbox --crl FILE): COA publishes a CRL
// signed by its device CA (balie-coa GET /v1/crl); the receiver's timer fetches it into FILE. Each
// request's client certificate is checked against the newest valid CRL: the file is re-read when it
// changes, its signature must verify with the client CA, and a CRL that does not verify is refused
// (the previous one stays in force). Thread-safe.
#pragma once
#include <ctime>
#include <mutex>
#include <set>
#include <string>

struct ssl_st;

namespace balie::inbox {

class RevocationList {
 public:
  RevocationList(std::string crl_file, std::string ca_file);
  // Re-reads the file when its modification time changed; returns an error text when the new file is
  // unusable (the previous list stays). Called before each check and at start.
  std::string refresh();
  // True when the peer certificate of `ssl` is listed (by serial, issued by the client CA).
  bool revoked(const ssl_st* ssl);
  std::size_t size();
  bool loaded();

 private:
  std::string crl_file_, ca_file_;
  std::mutex m_;
  std::set<std::string> serials_;  // hex
  std::timespec mtime_{};
  bool loaded_ = false;
};

}  // namespace balie::inbox
