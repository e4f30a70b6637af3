// balie-inbox connection guard (see connection_guard.h). cpp-httplib 0.11 runs the TLS handshake and
// the request on a worker of its task queue and bounds each read only by an inactivity timeout, so
// a few idle or dripping sockets held every worker. Here each worker's connection has a deadline
// per phase; a watchdog thread shuts the socket down when one passes (the worker then unwinds
// through httplib's own error path). The socket is found through the TLS info callback
// (SSL_CB_HANDSHAKE_START runs before the first read) and kept as a dup() so the watchdog never
// touches a reused descriptor number.
#include "connection_guard.h"

#include <httplib.h>
#include <openssl/ssl.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cmath>
#include <condition_variable>
#include <deque>
#include <functional>
#include <list>
#include <map>
#include <mutex>
#include <stdexcept>
#include <thread>
#include <vector>

#include "balie/sync/tls_policy.h"

namespace balie::inbox {

using Clock = std::chrono::steady_clock;

namespace {
struct Slot {
  int fd = -1;  // dup of the connection's socket, -1 when idle
  bool armed = false;
  Clock::time_point deadline{};
};
thread_local Slot* tl_slot = nullptr;  // the connection this worker thread is serving
thread_local bool tl_shed = false;     // the connection being run must be closed at once
}  // namespace

struct ConnectionGuard::Impl {
  GuardConfig cfg;
  mutable std::mutex mu;
  std::condition_variable cv;
  std::list<Slot> slots;  // one per worker thread; stable addresses
  bool stop = false;
  std::thread watchdog;
  std::atomic<std::uint64_t> shed{0}, timed_out{0}, rate_limited{0};

  struct Bucket {
    double tokens;
    Clock::time_point last;
  };
  std::mutex rate_mu;
  std::map<std::string, Bucket> buckets;

  explicit Impl(GuardConfig c) : cfg(c) {
    watchdog = std::thread([this] { watch(); });
  }
  ~Impl() {
    {
      std::lock_guard<std::mutex> l(mu);
      stop = true;
    }
    cv.notify_all();
    watchdog.join();
  }

  void watch() {
    std::unique_lock<std::mutex> l(mu);
    while (!stop) {
      auto now = Clock::now();
      auto next = now + std::chrono::seconds(1);
      for (auto& s : slots) {
        if (!s.armed || s.fd < 0) continue;
        if (s.deadline <= now) {
          ::shutdown(s.fd, SHUT_RDWR);  // the worker's select/read returns; httplib closes the socket
          s.armed = false;
          ++timed_out;
        } else {
          next = std::min(next, s.deadline);
        }
      }
      cv.wait_until(l, next);
    }
  }

  void arm(Slot* s, int seconds) {
    if (s == nullptr) return;
    std::lock_guard<std::mutex> l(mu);
    if (s->fd < 0) return;
    s->deadline = Clock::now() + std::chrono::seconds(seconds);
    s->armed = true;
    cv.notify_all();
  }
  void attach(Slot* s, int fd, int seconds) {
    if (s == nullptr || fd < 0) return;
    int copy = ::dup(fd);
    if (copy < 0) return;  // out of descriptors: httplib's own read timeout still applies
    std::lock_guard<std::mutex> l(mu);
    if (s->fd >= 0) ::close(s->fd);
    s->fd = copy;
    s->deadline = Clock::now() + std::chrono::seconds(seconds);
    s->armed = true;
    cv.notify_all();
  }
  void release(Slot* s) {
    std::lock_guard<std::mutex> l(mu);
    if (s->fd >= 0) ::close(s->fd);
    s->fd = -1;
    s->armed = false;
  }
  Slot* new_slot() {
    std::lock_guard<std::mutex> l(mu);
    return &slots.emplace_back();
  }

  int admit(const std::string& client) {
    const double rate = cfg.rate_per_minute / 60.0;  // tokens per second
    if (rate <= 0) return 0;
    auto now = Clock::now();
    std::lock_guard<std::mutex> l(rate_mu);
    if (buckets.size() > 10000) {  // forget clients whose bucket is full again (bounded memory)
      for (auto it = buckets.begin(); it != buckets.end();) {
        double t = it->second.tokens + std::chrono::duration<double>(now - it->second.last).count() * rate;
        it = t >= cfg.rate_burst ? buckets.erase(it) : std::next(it);
      }
    }
    auto [it, fresh] = buckets.try_emplace(client, Bucket{cfg.rate_burst, now});
    Bucket& b = it->second;
    b.tokens = std::min(cfg.rate_burst, b.tokens + std::chrono::duration<double>(now - b.last).count() * rate);
    b.last = now;
    if (b.tokens >= 1.0) {
      b.tokens -= 1.0;
      return 0;
    }
    ++rate_limited;
    return std::max(1, static_cast<int>(std::ceil((1.0 - b.tokens) / rate)));
  }
};

namespace {

// httplib's task queue, bounded: max_connections workers, max_pending waiting connections; a
// connection beyond that is run at once with tl_shed set, which closes it in the TLS info callback
// before anything is read (the only way to close a socket httplib has already accepted).
class GuardedPool final : public httplib::TaskQueue {
 public:
  explicit GuardedPool(ConnectionGuard::Impl& g) : g_(g) {
    for (int i = 0; i < std::max(1, g_.cfg.max_connections); ++i) {
      Slot* slot = g_.new_slot();
      threads_.emplace_back([this, slot] { work(slot); });
    }
  }
  void enqueue(std::function<void()> fn) override {
    {
      std::unique_lock<std::mutex> l(mu_);
      if (busy_ + jobs_.size() < static_cast<std::size_t>(g_.cfg.max_connections + std::max(0, g_.cfg.max_pending))) {
        jobs_.push_back(std::move(fn));
        cv_.notify_one();
        return;
      }
    }
    ++g_.shed;
    tl_shed = true;
    fn();  // SSL_new, handshake start -> shutdown, httplib closes the socket
    tl_shed = false;
  }
  void shutdown() override {
    {
      std::unique_lock<std::mutex> l(mu_);
      stop_ = true;
    }
    cv_.notify_all();
    for (auto& t : threads_) t.join();
  }

 private:
  void work(Slot* slot) {
    tl_slot = slot;
    for (;;) {
      std::function<void()> fn;
      {
        std::unique_lock<std::mutex> l(mu_);
        cv_.wait(l, [&] { return stop_ || !jobs_.empty(); });
        if (stop_ && jobs_.empty()) return;
        fn = std::move(jobs_.front());
        jobs_.pop_front();
        ++busy_;
      }
      fn();
      g_.release(slot);
      std::unique_lock<std::mutex> l(mu_);
      --busy_;
    }
  }

  ConnectionGuard::Impl& g_;
  std::mutex mu_;
  std::condition_variable cv_;
  std::deque<std::function<void()>> jobs_;
  std::size_t busy_ = 0;
  bool stop_ = false;
  std::vector<std::thread> threads_;
};

ConnectionGuard::Impl* g_info_guard = nullptr;  // the info callback has no user pointer of its own

void tls_info(const SSL* ssl, int where, int /*ret*/) {
  ConnectionGuard::Impl* g = g_info_guard;
  if (g == nullptr) return;
  if ((where & SSL_CB_HANDSHAKE_START) != 0) {
    int fd = SSL_get_fd(ssl);
    if (tl_shed) {
      if (fd >= 0) ::shutdown(fd, SHUT_RDWR);
      return;
    }
    // Renegotiation is not offered (TLS 1.3 / no renegotiation), so this is the first handshake.
    g->attach(tl_slot, fd, g->cfg.handshake_timeout_s);
  } else if ((where & SSL_CB_HANDSHAKE_DONE) != 0) {
    g->arm(tl_slot, g->cfg.header_timeout_s);
  }
}

}  // namespace

ConnectionGuard::ConnectionGuard(GuardConfig cfg) : impl_(std::make_unique<Impl>(cfg)) {}
ConnectionGuard::~ConnectionGuard() {
  if (g_info_guard == impl_.get()) g_info_guard = nullptr;
}

void apply_tls_policy(httplib::SSLServer& svr) {
  SSL_CTX* ctx = svr.ssl_context();
  SSL_CTX_set_min_proto_version(ctx, TLS1_2_VERSION);
  // Both lists are constants that OpenSSL 3 knows: a failure here is a programming error.
  if (SSL_CTX_set_cipher_list(ctx, sync::kTls12Ciphers) != 1 || SSL_CTX_set_ciphersuites(ctx, sync::kTls13Ciphers) != 1)
    throw std::runtime_error("the TLS cipher policy was refused by OpenSSL");
  SSL_CTX_set_options(ctx, SSL_OP_CIPHER_SERVER_PREFERENCE | SSL_OP_NO_RENEGOTIATION);
}

void ConnectionGuard::install(httplib::SSLServer& svr) {
  apply_tls_policy(svr);
  Impl* g = impl_.get();
  g_info_guard = g;
  svr.new_task_queue = [g] { return new GuardedPool(*g); };
  // No SO_REUSEPORT (httplib's default): a second receiver must fail to bind, not share the port.
  // SO_REUSEADDR only lets a restart bind while old connections sit in TIME_WAIT.
  svr.set_socket_options([](int sock) {
    int yes = 1;
    ::setsockopt(sock, SOL_SOCKET, SO_REUSEADDR, &yes, sizeof yes);
  });
  SSL_CTX_set_info_callback(svr.ssl_context(), tls_info);
  // With client certificates required, OpenSSL refuses to resume a session ("internal error"
  // alert) unless a session id context is set; a client that reconnects after a Connection: close
  // (a 429, a 413) resumes its session and would otherwise fail its next handshake.
  static const unsigned char kSessionContext[] = "balie-inbox";
  SSL_CTX_set_session_id_context(svr.ssl_context(), kSessionContext, sizeof kSessionContext - 1);
  // httplib's per-read inactivity timeouts stay as a second line; the deadlines above are whole-phase.
  svr.set_keep_alive_timeout(std::min(5, g->cfg.request_timeout_s));
}

int ConnectionGuard::admit_request(const std::string& client) {
  impl_->arm(tl_slot, impl_->cfg.request_timeout_s);
  return impl_->admit(client);
}

void ConnectionGuard::response_ready() { impl_->arm(tl_slot, impl_->cfg.request_timeout_s); }

GuardStats ConnectionGuard::stats() const {
  return GuardStats{impl_->shed.load(), impl_->timed_out.load(), impl_->rate_limited.load()};
}

}  // namespace balie::inbox
