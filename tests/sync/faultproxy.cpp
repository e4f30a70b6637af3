// balie-faultproxy: a TCP fault-injecting proxy for the sync tests (test tool, not shipped).
// Sits between balie-syncd and balie-inbox on loopback and, per connection, by probability:
// cuts the connection mid-request or mid-response, or delivers the response slowly. TLS passes
// through untouched (pins and certificates stay end to end).
// With --latency-ms it is also a delay line (each direction delays every chunk by MS without
// limiting throughput): the shaped-link benchmark uses that where the kernel lacks tc netem.
//   balie-faultproxy --target-port P --port-file F [--seed N] [--cut-request P] [--cut-response P]
//                    [--slow P] [--slow-delay-ms MS] [--latency-ms MS] [--listen-host IP]
//                    [--max-connections N]
#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <condition_variable>
#include <deque>
#include <mutex>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <random>
#include <string>
#include <thread>

namespace {

struct Options {
  int target_port = 0;
  std::string port_file;
  unsigned seed = 1;
  double cut_request = 0, cut_response = 0, slow = 0;
  int slow_delay_ms = 20;
  int latency_ms = 0;
  std::string listen_host = "127.0.0.1";
  long max_connections = 100000;
};

enum class Fault { None, CutRequest, CutResponse, Slow };

int connect_target(int port) {
  int s = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_port = htons(static_cast<uint16_t>(port));
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (connect(s, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0) {
    close(s);
    return -1;
  }
  return s;
}

void pump(int client, int server, Fault fault, long cut_after, int slow_delay_ms) {
  long up = 0, down = 0;
  char buf[16384];
  pollfd p[2] = {{client, POLLIN, 0}, {server, POLLIN, 0}};
  for (;;) {
    int r = poll(p, 2, 30000);  // idle limit: 30 s
    if (r <= 0) break;
    bool done = false;
    for (int i = 0; i < 2 && !done; ++i) {
      if (!(p[i].revents & (POLLIN | POLLHUP | POLLERR))) continue;
      std::size_t want = sizeof buf;
      if (fault == Fault::Slow) want = 512;
      ssize_t n = read(p[i].fd, buf, want);
      if (n <= 0) {
        done = true;
        break;
      }
      long& count = i == 0 ? up : down;
      if ((i == 0 && fault == Fault::CutRequest) || (i == 1 && fault == Fault::CutResponse)) {
        if (count + n >= cut_after) {
          long keep = cut_after - count;
          if (keep > 0) (void)!write(p[1 - i].fd, buf, static_cast<std::size_t>(keep));
          done = true;
          break;
        }
      }
      count += n;
      if (fault == Fault::Slow) std::this_thread::sleep_for(std::chrono::milliseconds(slow_delay_ms));
      for (ssize_t off = 0; off < n;) {
        ssize_t w = write(p[1 - i].fd, buf + off, static_cast<std::size_t>(n - off));
        if (w <= 0) {
          done = true;
          break;
        }
        off += w;
      }
    }
    if (done) break;
  }
  shutdown(client, SHUT_RDWR);
  shutdown(server, SHUT_RDWR);
  close(client);
  close(server);
}

// Delay line for one direction: a reader queues chunks stamped with their due time; a writer
// sends each when due. Throughput is not limited; at most 64 MiB may be in flight.
void delay_direction(int from, int to, int latency_ms) {
  using clock = std::chrono::steady_clock;
  std::mutex mu;
  std::condition_variable cv;
  std::deque<std::pair<clock::time_point, std::string>> q;
  std::size_t queued = 0;
  bool eof = false;
  std::thread writer([&] {
    for (;;) {
      std::unique_lock l(mu);
      cv.wait(l, [&] { return !q.empty() || eof; });
      if (q.empty() && eof) break;
      auto [due, data] = std::move(q.front());
      q.pop_front();
      queued -= data.size();
      cv.notify_all();
      l.unlock();
      std::this_thread::sleep_until(due);
      for (std::size_t off = 0; off < data.size();) {
        ssize_t w = write(to, data.data() + off, data.size() - off);
        if (w <= 0) {
          shutdown(from, SHUT_RDWR);
          return;
        }
        off += static_cast<std::size_t>(w);
      }
    }
    shutdown(to, SHUT_WR);
  });
  char buf[16384];
  for (;;) {
    ssize_t n = read(from, buf, sizeof buf);
    std::unique_lock l(mu);
    if (n <= 0) {
      eof = true;
      cv.notify_all();
      break;
    }
    cv.wait(l, [&] { return queued < (64u << 20); });
    q.emplace_back(clock::now() + std::chrono::milliseconds(latency_ms), std::string(buf, static_cast<std::size_t>(n)));
    queued += static_cast<std::size_t>(n);
    cv.notify_all();
  }
  writer.join();
}

void delay_pump(int client, int server, int latency_ms) {
  std::thread up(delay_direction, client, server, latency_ms);
  delay_direction(server, client, latency_ms);
  up.join();
  close(client);
  close(server);
}

}  // namespace

int main(int argc, char** argv) {
  Options o;
  for (int i = 1; i + 1 < argc; i += 2) {
    std::string k = argv[i], v = argv[i + 1];
    if (k == "--target-port") o.target_port = std::atoi(v.c_str());
    else if (k == "--port-file") o.port_file = v;
    else if (k == "--seed") o.seed = static_cast<unsigned>(std::atol(v.c_str()));
    else if (k == "--cut-request") o.cut_request = std::atof(v.c_str());
    else if (k == "--cut-response") o.cut_response = std::atof(v.c_str());
    else if (k == "--slow") o.slow = std::atof(v.c_str());
    else if (k == "--slow-delay-ms") o.slow_delay_ms = std::atoi(v.c_str());
    else if (k == "--max-connections") o.max_connections = std::atol(v.c_str());
    else if (k == "--latency-ms") o.latency_ms = std::atoi(v.c_str());
    else if (k == "--listen-host") o.listen_host = v;
    else {
      std::fprintf(stderr, "balie-faultproxy: unknown option %s\n", k.c_str());
      return 64;
    }
  }
  if (o.target_port <= 0 || o.port_file.empty()) {
    std::fprintf(stderr, "usage: balie-faultproxy --target-port P --port-file F [...]\n");
    return 64;
  }
  signal(SIGPIPE, SIG_IGN);
  int ls = socket(AF_INET, SOCK_STREAM, 0);
  int one = 1;
  setsockopt(ls, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  if (inet_pton(AF_INET, o.listen_host.c_str(), &a.sin_addr) != 1) {
    std::fprintf(stderr, "balie-faultproxy: bad --listen-host\n");
    return 64;
  }
  if (bind(ls, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0 || listen(ls, 64) != 0) {
    std::perror("balie-faultproxy: bind/listen");
    return 2;
  }
  socklen_t len = sizeof a;
  getsockname(ls, reinterpret_cast<sockaddr*>(&a), &len);
  {
    std::string tmp = o.port_file + ".tmp";
    std::ofstream(tmp) << ntohs(a.sin_port) << "\n";
    std::rename(tmp.c_str(), o.port_file.c_str());
  }
  std::mt19937 rng(o.seed);
  std::uniform_real_distribution<double> u(0, 1);
  for (long n = 0; n < o.max_connections; ++n) {
    int c = accept(ls, nullptr, nullptr);
    if (c < 0) continue;
    int s = connect_target(o.target_port);
    if (s < 0) {
      close(c);
      continue;
    }
    double x = u(rng);
    Fault f = Fault::None;
    if (x < o.cut_request) f = Fault::CutRequest;
    else if (x < o.cut_request + o.cut_response) f = Fault::CutResponse;
    else if (x < o.cut_request + o.cut_response + o.slow) f = Fault::Slow;
    // Cut points past the TLS handshake (about 1-3 KB each way), so requests and responses are hit.
    long cut_after = std::uniform_int_distribution<long>(1500, 12000)(rng);
    std::fprintf(stderr, "conn %ld fault %d cut_after %ld\n", n, static_cast<int>(f), cut_after);
    if (o.latency_ms > 0 && f == Fault::None) std::thread(delay_pump, c, s, o.latency_ms).detach();
    else std::thread(pump, c, s, f, cut_after, o.slow_delay_ms).detach();
  }
  return 0;
}
