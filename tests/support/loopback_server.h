// A TCP server on a free loopback port that hands each accepted connection to `handle` on its own
// thread, one at a time: the base of the test-owned HTTP and SMTP listeners.
#ifndef QMS_TESTS_SUPPORT_LOOPBACK_SERVER_H_
#define QMS_TESTS_SUPPORT_LOOPBACK_SERVER_H_

#include <atomic>
#include <functional>
#include <string>
#include <thread>

namespace qms::testing {

class LoopbackServer {
 public:
  explicit LoopbackServer(std::function<void(int fd)> handle);
  ~LoopbackServer();  // stops accepting and joins the thread

  int port() const { return port_; }

 private:
  std::function<void(int)> handle_;
  int fd_ = -1;
  int port_ = 0;
  std::atomic<bool> stopping_{false};
  std::thread thread_;
};

// Reads from `fd` until `done(data)` holds, the peer closes, or 2 s pass without data.
std::string ReadUntil(int fd, const std::function<bool(const std::string&)>& done,
                      std::string data = "");

}  // namespace qms::testing

#endif  // QMS_TESTS_SUPPORT_LOOPBACK_SERVER_H_
