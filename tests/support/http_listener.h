// A real HTTP/1.1 listener on loopback that records every request it receives, for tests of
// webhook deliveries. Answers each request with the status set by SetStatus (200 by default).
#ifndef QMS_TESTS_SUPPORT_HTTP_LISTENER_H_
#define QMS_TESTS_SUPPORT_HTTP_LISTENER_H_

#include <atomic>
#include <functional>
#include <map>
#include <string>
#include <thread>
#include <vector>

#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"

namespace qms::testing {

struct HttpRequest {
  std::string method;
  std::string path;
  std::map<std::string, std::string> headers;  // names in lower case
  std::string body;
};

class HttpListener {
 public:
  HttpListener();
  ~HttpListener();

  std::string url() const;  // http://127.0.0.1:PORT/hook
  void SetStatus(int status) { status_ = status; }
  std::vector<HttpRequest> Requests();
  // Waits until `predicate(requests)` holds or `timeout` passes; returns whether it held.
  bool WaitFor(const std::function<bool(const std::vector<HttpRequest>&)>& predicate,
               absl::Duration timeout);

 private:
  void Serve();
  int fd_ = -1;
  int port_ = 0;
  std::atomic<int> status_{200};
  std::atomic<bool> stopping_{false};
  absl::Mutex mu_;
  std::vector<HttpRequest> requests_ ABSL_GUARDED_BY(mu_);
  std::thread thread_;
};

}  // namespace qms::testing

#endif  // QMS_TESTS_SUPPORT_HTTP_LISTENER_H_
