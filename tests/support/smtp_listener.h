// A real SMTP server on loopback that accepts every message and records it, for tests of e-mail
// deliveries (enough of RFC 5321 for libcurl: EHLO/HELO, MAIL, RCPT, DATA, RSET, NOOP, QUIT).
#ifndef QMS_TESTS_SUPPORT_SMTP_LISTENER_H_
#define QMS_TESTS_SUPPORT_SMTP_LISTENER_H_

#include <string>
#include <vector>

#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "tests/support/loopback_server.h"

namespace qms::testing {

struct MailMessage {
  std::string from;
  std::vector<std::string> to;
  std::string data;  // headers and body, dot-unstuffed
};

class SmtpListener {
 public:
  SmtpListener();

  std::string url() const;  // smtp://127.0.0.1:PORT
  std::vector<MailMessage> Messages();
  bool WaitForMessages(size_t count, absl::Duration timeout);

 private:
  void Handle(int fd);
  absl::Mutex mu_;
  std::vector<MailMessage> messages_ ABSL_GUARDED_BY(mu_);
  LoopbackServer server_;  // last: stops before the members it uses go
};

}  // namespace qms::testing

#endif  // QMS_TESTS_SUPPORT_SMTP_LISTENER_H_
