#include "tests/support/smtp_listener.h"

#include <unistd.h>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_replace.h"
#include "absl/time/clock.h"

namespace qms::testing {
namespace {

void Reply(int fd, const std::string& line) {
  const std::string out = line + "\r\n";
  (void)!write(fd, out.data(), out.size());
}

}  // namespace

SmtpListener::SmtpListener() : server_([this](int fd) { Handle(fd); }) {}

std::string SmtpListener::url() const { return absl::StrCat("smtp://127.0.0.1:", server_.port()); }

std::vector<MailMessage> SmtpListener::Messages() {
  absl::MutexLock lock(&mu_);
  return messages_;
}

bool SmtpListener::WaitForMessages(size_t count, absl::Duration timeout) {
  const absl::Time end = absl::Now() + timeout;
  while (absl::Now() < end && Messages().size() < count) absl::SleepFor(absl::Milliseconds(50));
  return Messages().size() >= count;
}

void SmtpListener::Handle(int fd) {
  Reply(fd, "220 qms-test ESMTP");
  MailMessage message;
  std::string pending;
  for (;;) {
    pending = ReadUntil(
        fd, [](const std::string& d) { return d.find("\r\n") != std::string::npos; }, pending);
    const size_t eol = pending.find("\r\n");
    if (eol == std::string::npos) return;
    const std::string line = pending.substr(0, eol);
    pending.erase(0, eol + 2);
    const std::string verb = absl::AsciiStrToUpper(line.substr(0, 4));
    if (verb == "EHLO" || verb == "HELO") {
      Reply(fd, "250 qms-test");
    } else if (verb == "MAIL") {
      message = MailMessage{};
      message.from = line.substr(line.find(':') + 1);
      Reply(fd, "250 OK");
    } else if (verb == "RCPT") {
      message.to.push_back(line.substr(line.find(':') + 1));
      Reply(fd, "250 OK");
    } else if (verb == "DATA") {
      Reply(fd, "354 end with <CRLF>.<CRLF>");
      pending = ReadUntil(
          fd, [](const std::string& d) { return d.find("\r\n.\r\n") != std::string::npos; },
          pending);
      const size_t end = pending.find("\r\n.\r\n");
      if (end == std::string::npos) return;
      message.data = absl::StrReplaceAll(pending.substr(0, end + 2), {{"\r\n..", "\r\n."}});
      pending.erase(0, end + 5);
      {
        absl::MutexLock lock(&mu_);
        messages_.push_back(message);
      }
      Reply(fd, "250 queued");
    } else if (verb == "QUIT") {
      Reply(fd, "221 bye");
      return;
    } else {
      Reply(fd, "250 OK");  // RSET, NOOP
    }
  }
}

}  // namespace qms::testing
