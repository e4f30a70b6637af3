// A private PostgreSQL cluster for balie-coa's tests (tests/coa): initdb + pg_ctl from Debian's
// postgresql-15 in a fresh temporary folder, listening only on a Unix socket in that folder, trust
// authentication for the one role "balie". As root the server runs as the unprivileged user nobody
// (PostgreSQL refuses root). Stopped and removed in the destructor; restart() for outage tests.
// BALIE_PG_BINDIR overrides where initdb/pg_ctl are found (default: newest /usr/lib/postgresql/*/bin).
#pragma once
#include <grp.h>
#include <pwd.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

namespace balie::coa::testing {

inline std::string pg_bindir() {
  if (const char* e = std::getenv("BALIE_PG_BINDIR"); e && *e) return e;
  std::string best;
  std::error_code ec;
  for (auto it = std::filesystem::directory_iterator("/usr/lib/postgresql", ec);
       !ec && it != std::filesystem::directory_iterator(); it.increment(ec)) {
    const auto bin = it->path() / "bin";
    if (std::filesystem::exists(bin / "initdb") && bin.string() > best) best = bin.string();
  }
  return best;
}

class PgCluster {
 public:
  PgCluster() {
    char tmpl[] = "/tmp/balie-pg-XXXXXX";
    if (mkdtemp(tmpl) == nullptr) return;
    root_ = tmpl;
    bindir_ = pg_bindir();
    if (bindir_.empty()) {
      error_ = "PostgreSQL server programs not found (install postgresql-15: scripts/setup.sh)";
      return;
    }
    if (geteuid() == 0) {
      const passwd* pw = getpwnam("nobody");
      if (pw == nullptr) {
        error_ = "running as root and there is no user 'nobody' to run PostgreSQL as";
        return;
      }
      uid_ = pw->pw_uid;
      gid_ = pw->pw_gid;
      if (chown(root_.c_str(), uid_, gid_) != 0) {
        error_ = "cannot hand the cluster folder to nobody";
        return;
      }
    }
    std::string out;
    if (run({bindir_ + "/initdb", "-D", data(), "-U", "balie", "--auth=trust", "-E", "UTF8", "--locale=C.UTF-8",
             "--no-sync"},
            &out) != 0) {
      error_ = "initdb failed: " + out;
      return;
    }
    {
      std::ofstream conf(data() + "/postgresql.conf", std::ios::app);
      conf << "listen_addresses = ''\nunix_socket_directories = '" << root_ << "'\nfsync = off\n"
           << "max_connections = 60\nshared_buffers = 32MB\n";
    }
    if (!start()) return;
    if (run({bindir_ + "/createdb", "-h", root_, "-U", "balie", "coa"}, &out) != 0) {
      error_ = "createdb failed: " + out;
      return;
    }
    ok_ = true;
  }
  ~PgCluster() {
    if (!root_.empty()) {
      if (started_) run({bindir_ + "/pg_ctl", "-D", data(), "-m", "immediate", "-w", "stop"}, nullptr);
      std::error_code ec;
      std::filesystem::remove_all(root_, ec);
    }
  }
  PgCluster(const PgCluster&) = delete;
  PgCluster& operator=(const PgCluster&) = delete;

  bool ok() const { return ok_; }
  const std::string& error() const { return error_; }
  const std::string& root() const { return root_; }
  // libpq conninfo of the test database "coa".
  std::string conninfo(const std::string& db = "coa") const {
    return "host=" + root_ + " dbname=" + db + " user=balie connect_timeout=5";
  }

  bool start() {
    std::string out;
    if (run({bindir_ + "/pg_ctl", "-D", data(), "-l", root_ + "/server.log", "-w", "-t", "60", "start"}, &out) != 0) {
      error_ = "pg_ctl start failed: " + out + log_tail();
      return false;
    }
    started_ = true;
    return true;
  }
  bool stop() {
    started_ = false;
    return run({bindir_ + "/pg_ctl", "-D", data(), "-m", "fast", "-w", "stop"}, nullptr) == 0;
  }
  bool restart() { return stop() && start(); }
  // Runs SQL through psql (test setup and checks). Returns psql's output (tuples only, unaligned).
  std::string psql(const std::string& sql, const std::string& db = "coa") {
    std::string out;
    run({bindir_ + "/psql", "-h", root_, "-U", "balie", "-d", db, "-v", "ON_ERROR_STOP=1", "-At", "-c", sql}, &out);
    while (!out.empty() && out.back() == '\n') out.pop_back();
    return out;
  }
  std::string log_tail() const {
    std::ifstream f(root_ + "/server.log");
    std::stringstream s;
    s << f.rdbuf();
    const std::string t = s.str();
    return t.size() > 2000 ? t.substr(t.size() - 2000) : t;
  }

 private:
  std::string data() const { return root_ + "/data"; }
  // Runs argv (as nobody when root), capturing stdout+stderr. Returns the exit status.
  int run(const std::vector<std::string>& argv, std::string* out) const {
    int fds[2];
    if (pipe(fds) != 0) return -1;
    const pid_t pid = fork();
    if (pid == 0) {
      dup2(fds[1], 1);
      dup2(fds[1], 2);
      close(fds[0]);
      close(fds[1]);
      if (geteuid() == 0 && uid_ != 0) {
        if (setgroups(0, nullptr) != 0 || setgid(gid_) != 0 || setuid(uid_) != 0) _exit(126);
      }
      if (chdir(root_.c_str()) != 0) _exit(126);
      std::vector<char*> args;
      for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
      args.push_back(nullptr);
      execv(args[0], args.data());
      _exit(127);
    }
    close(fds[1]);
    char buf[4096];
    std::string got;
    for (ssize_t n; (n = read(fds[0], buf, sizeof buf)) > 0;) got.append(buf, static_cast<size_t>(n));
    close(fds[0]);
    int status = 0;
    waitpid(pid, &status, 0);
    if (out) *out = got;
    return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  }

  std::string root_, bindir_, error_;
  uid_t uid_ = 0;
  gid_t gid_ = 0;
  bool ok_ = false, started_ = false;
};

}  // namespace balie::coa::testing
