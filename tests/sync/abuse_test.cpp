// The receiver under abuse (issue 13 item 7), with real balie-inbox processes on loopback: idle TCP
// connections without a certificate do not stall a real mTLS request, the connection cap and the
// handshake deadline close what is over them, per-device rate limits answer 429 + Retry-After,
// balie-syncd honours Retry-After, and a second inbox on a port in use exits non-zero.
// Timings are printed for the record (bench/sync has the figures); asserts use generous bounds.
#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <openssl/ssl.h>
#include <poll.h>
#include <signal.h>
#include <sys/socket.h>
#include <unistd.h>

#include <regex>

#include "harness.h"

using namespace balie;
using namespace balie::test;

namespace {

struct Net {
  fs::path work;
  std::unique_ptr<Pki> pki;
  explicit Net(const std::string& name) : work(fresh_dir(name)) {
    pki = std::make_unique<Pki>(work / "pki", std::vector<std::string>{"GM0363", "GM0344"});
  }
};

// Plain TCP connections that never send a byte (no TLS, no certificate).
struct IdleSockets {
  std::vector<int> fds;
  IdleSockets(int port, int n) {
    for (int i = 0; i < n; ++i) {
      int fd = ::socket(AF_INET, SOCK_STREAM, 0);
      sockaddr_in a{};
      a.sin_family = AF_INET;
      a.sin_port = htons(static_cast<std::uint16_t>(port));
      a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
      if (::connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0) ADD_FAILURE() << "connect " << i;
      fds.push_back(fd);
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(200));  // all accepted by the server
  }
  ~IdleSockets() {
    for (int fd : fds) ::close(fd);
  }
  // How many the server has closed (readable with EOF, or reset).
  int closed_by_server() const {
    int n = 0;
    for (int fd : fds) {
      pollfd p{fd, POLLIN, 0};
      if (::poll(&p, 1, 0) == 1) {
        char c;
        if (::recv(fd, &c, 1, MSG_DONTWAIT | MSG_PEEK) <= 0) ++n;
      }
    }
    return n;
  }
};

struct CurlResult {
  int code = 0;
  double seconds = 0;
  std::vector<int> codes;
  std::string headers;
};

// One curl process with the device certificate, fetching `paths` in order over one connection.
CurlResult curl(const Net& net, const Inbox& ib, const std::vector<std::string>& paths, int max_time = 30) {
  fs::path hdr = net.work / "headers.txt";
  fs::remove(hdr);
  std::vector<std::string> argv = {"/usr/bin/curl", "-sS", "--max-time", std::to_string(max_time), "--cacert",
                                   (net.pki->dir / "ca.pem").string(), "--cert",
                                   (net.pki->dir / "device/cert.pem").string(), "--key",
                                   (net.pki->dir / "device/key.pem").string(), "-D", hdr.string()};
  for (const auto& p : paths) argv.insert(argv.end(), {"-o", "/dev/null", "-w", "%{http_code}\n", ib.url() + p});
  std::string out;
  auto t0 = std::chrono::steady_clock::now();
  run(argv, &out, max_time + 10);
  CurlResult r;
  r.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  std::istringstream in(out);
  std::string line;
  while (std::getline(in, line))
    if (!line.empty() && std::isdigit(static_cast<unsigned char>(line[0]))) r.codes.push_back(std::atoi(line.c_str()));
  r.code = r.codes.empty() ? 0 : r.codes.back();
  r.headers = slurp(hdr);
  return r;
}

std::string identity_path() { return "/v1/identiteit?nonce=" + std::string(64, 'a'); }

}  // namespace

TEST(InboxAbuse, FortyIdleConnectionsDoNotStallARealRequest) {
  Net net("abuse-idle");
  auto ib = Inbox::start(*net.pki, "GM0363", net.work);
  auto baseline = curl(net, *ib, {identity_path()});
  ASSERT_EQ(baseline.code, 200);
  IdleSockets idle(ib->port, 40);
  auto r = curl(net, *ib, {identity_path()});
  std::printf("[figures] signed identity request: %.3f s alone, %.3f s with 40 idle connections open\n",
              baseline.seconds, r.seconds);
  EXPECT_EQ(r.code, 200);
  EXPECT_LT(r.seconds, 5.0) << "a real request waited behind idle connections";
}

TEST(InboxAbuse, ConnectionCapAndHandshakeDeadlineCloseIdleSockets) {
  Net net("abuse-cap");
  InboxOptions o;
  o.extra = {"--max-connections", "4", "--max-pending", "4", "--handshake-timeout", "1"};
  auto ib = Inbox::start(*net.pki, "GM0363", net.work, o);
  IdleSockets idle(ib->port, 30);
  std::this_thread::sleep_for(std::chrono::milliseconds(300));
  int shed = idle.closed_by_server();
  EXPECT_GE(shed, 20) << "30 connections against a cap of 4 + 4 pending";
  std::this_thread::sleep_for(std::chrono::milliseconds(2700));  // handshake deadline (1 s) x2, with margin
  EXPECT_EQ(idle.closed_by_server(), 30) << "idle connections outlived the handshake deadline";
  auto r = curl(net, *ib, {identity_path()});
  EXPECT_EQ(r.code, 200);
}

// A client with a valid device certificate that completes the handshake and then sends its request
// headers one byte every 300 ms: every read is well within httplib's 15 s inactivity timeout, so
// only a whole-phase header deadline ends it.
TEST(InboxAbuse, HeaderDeadlineCutsADrippingClient) {
  ::signal(SIGPIPE, SIG_IGN);
  Net net("abuse-drip");
  InboxOptions o;
  o.extra = {"--header-timeout", "2"};
  auto ib = Inbox::start(*net.pki, "GM0363", net.work, o);
  IdleSockets tcp(ib->port, 1);
  int fd = tcp.fds[0];
  SSL_CTX* ctx = SSL_CTX_new(TLS_client_method());
  ASSERT_EQ(SSL_CTX_use_certificate_file(ctx, (net.pki->dir / "device/cert.pem").c_str(), SSL_FILETYPE_PEM), 1);
  ASSERT_EQ(SSL_CTX_use_PrivateKey_file(ctx, (net.pki->dir / "device/key.pem").c_str(), SSL_FILETYPE_PEM), 1);
  SSL* ssl = SSL_new(ctx);
  SSL_set_fd(ssl, fd);
  ASSERT_EQ(SSL_connect(ssl), 1) << "mTLS handshake with the device certificate";
  std::string head = "GET /v1/health HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Drip: ";
  ASSERT_GT(SSL_write(ssl, head.data(), static_cast<int>(head.size())), 0);
  auto t0 = std::chrono::steady_clock::now();
  double closed_after = -1;
  while (std::chrono::steady_clock::now() - t0 < std::chrono::seconds(8)) {
    std::this_thread::sleep_for(std::chrono::milliseconds(300));
    pollfd p{fd, POLLIN, 0};
    char c = 'x';
    if (::poll(&p, 1, 0) == 1 || SSL_write(ssl, &c, 1) <= 0) {
      char buf[256];
      if (SSL_read(ssl, buf, sizeof buf) <= 0) {
        closed_after = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
        break;
      }
    }
  }
  SSL_free(ssl);
  SSL_CTX_free(ctx);
  std::printf("[figures] dripping header client cut after %.2f s (header timeout 2 s)\n", closed_after);
  EXPECT_GT(closed_after, 1.0);
  EXPECT_GT(closed_after, 0) << "the dripping client kept its worker for 8 s";
  EXPECT_LT(closed_after, 5.0);
  auto r = curl(net, *ib, {identity_path()});
  EXPECT_EQ(r.code, 200);
}

TEST(InboxAbuse, RateLimitAnswers429WithRetryAfter) {
  Net net("abuse-rate");
  auto ib = Inbox::start(*net.pki, "GM0363", net.work);  // defaults: burst 120, 120 per minute
  std::vector<std::string> paths(200, identity_path());
  auto r = curl(net, *ib, paths, 60);
  ASSERT_EQ(r.codes.size(), 200u) << r.headers.substr(0, 2000);
  int ok = 0, limited = 0;
  for (int c : r.codes) (c == 200 ? ok : limited) += (c == 200 || c == 429) ? 1 : 0;
  std::printf("[figures] 200 signing requests in a row: %d answered, %d refused with 429 (%.2f s)\n", ok, limited,
              r.seconds);
  EXPECT_GE(ok, 120);
  EXPECT_LE(ok, 125 + static_cast<int>(2.5 * r.seconds));  // the burst plus what refilled (2/s) meanwhile
  EXPECT_EQ(ok + limited, 200);
  for (int i = 0; i < 120; ++i) EXPECT_EQ(r.codes[i], 200) << i;
  std::smatch m;
  ASSERT_TRUE(std::regex_search(r.headers, m, std::regex("HTTP/1.1 429[^\n]*\n(?:[^\n]*\n)*?[Rr]etry-[Aa]fter: ([0-9]+)")))
      << r.headers.substr(r.headers.size() > 3000 ? r.headers.size() - 3000 : 0);
  EXPECT_GE(std::stoi(m[1]), 1);
  EXPECT_NE(slurp(ib->dir / "inbox.log").find("rate limit"), std::string::npos);
}

TEST(InboxAbuse, SyncdHonoursRetryAfter) {
  Net net("abuse-syncd");
  InboxOptions o;
  o.extra = {"--rate-limit-burst", "1", "--rate-limit-per-minute", "60"};
  auto ib = Inbox::start(*net.pki, "GM0363", net.work, o);
  Kiosk kiosk(*net.pki, net.work);
  std::vector<std::string> ids;
  {
    auto st = kiosk.open();
    ASSERT_TRUE(st->put_route(route_for(*net.pki, *ib)));
    for (int i = 0; i < 4; ++i) ids.push_back(kiosk.add_record(*st, "GM0363", "res-" + std::to_string(i)));
  }
  std::string out;
  EXPECT_EQ(kiosk.sync_once(&out), 0) << out;
  auto log = slurp(ib->dir / "inbox.log");
  EXPECT_NE(log.find("answered 429"), std::string::npos) << "the limit was not reached; the test proves nothing";
  auto st = kiosk.open();
  for (const auto& id : ids) EXPECT_EQ(*st->outbox_state(id), "acknowledged") << out;
  EXPECT_EQ(ib->records().size(), ids.size());
}

TEST(InboxAbuse, SecondInboxOnAPortInUseExitsNonZero) {
  Net net("abuse-port");
  auto a = Inbox::start(*net.pki, "GM0363", net.work);
  auto bdir = net.work / "inbox-b";
  fs::create_directories(bdir / "keys");
  std::string out;
  ASSERT_EQ(run({bin("balie-inbox").string(), "keygen", "--dir", (bdir / "keys").string()}, &out), 0) << out;
  Proc b({bin("balie-inbox").string(), "serve", "--gemeentecode", "GM0344", "--db", (bdir / "inbox.db").string(), "--db-key-file", inbox_key((bdir / "inbox.db").string()),
          "--cert", (net.pki->dir / "GM0344/cert.pem").string(), "--key", (net.pki->dir / "GM0344/key.pem").string(),
          "--client-ca", (net.pki->dir / "ca.pem").string(), "--keys", (bdir / "keys").string(), "--listen",
          "127.0.0.1:" + std::to_string(a->port)},
         bdir / "inbox.log");
  int rc = b.wait(std::chrono::seconds(10));
  auto log = slurp(bdir / "inbox.log");
  EXPECT_NE(rc, -1) << "the second inbox is still running on a port in use";
  EXPECT_NE(rc, 0) << log;
  EXPECT_NE(log.find("in use"), std::string::npos) << log;
  // Every answer on the port comes from the first inbox.
  std::vector<std::string> paths(12, "/v1/health");
  auto r = curl(net, *a, paths);
  ASSERT_EQ(r.codes.size(), 12u);
  for (int c : r.codes) EXPECT_EQ(c, 200);
  // The bodies name the gemeente: fetch them one connection at a time (new connections are where
  // SO_REUSEPORT would split).
  int from_a = 0;
  for (int i = 0; i < 12; ++i) {
    std::string body;
    run({"/usr/bin/curl", "-sS", "--max-time", "10", "--cacert", (net.pki->dir / "ca.pem").string(), "--cert",
         (net.pki->dir / "device/cert.pem").string(), "--key", (net.pki->dir / "device/key.pem").string(),
         a->url() + "/v1/health"},
        &body, 20);
    from_a += body.find("GM0363") != std::string::npos;
  }
  EXPECT_EQ(from_a, 12);
}
