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
#include "tests/support/loopback_server.h"

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

  std::string url() const;  // http://127.0.0.1:PORT/hook
  void SetStatus(int status) { status_ = status; }
  // Answers each request only after `delay` (a slow receiver).
  void SetDelay(absl::Duration delay) { delay_ms_ = absl::ToInt64Milliseconds(delay); }
  std::vector<HttpRequest> Requests();
  // Waits until `predicate(requests)` holds or `timeout` passes; returns whether it held.
  bool WaitFor(const std::function<bool(const std::vector<HttpRequest>&)>& predicate,
               absl::Duration timeout);

 private:
  void Handle(int fd);
  std::atomic<int> status_{200};
  std::atomic<int64_t> delay_ms_{0};
  absl::Mutex mu_;
  std::vector<HttpRequest> requests_ ABSL_GUARDED_BY(mu_);
  LoopbackServer server_;  // last: stops before the members it uses go
};

}  // namespace qms::testing

#endif  // QMS_TESTS_SUPPORT_HTTP_LISTENER_H_
