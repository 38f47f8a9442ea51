#include "tests/support/http_listener.h"

#include <unistd.h>

#include "absl/strings/ascii.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "absl/time/clock.h"

namespace qms::testing {

HttpListener::HttpListener() : server_([this](int fd) { Handle(fd); }) {}

std::string HttpListener::url() const {
  return absl::StrCat("http://127.0.0.1:", server_.port(), "/hook");
}

std::vector<HttpRequest> HttpListener::Requests() {
  absl::MutexLock lock(&mu_);
  return requests_;
}

bool HttpListener::WaitFor(const std::function<bool(const std::vector<HttpRequest>&)>& predicate,
                           absl::Duration timeout) {
  const absl::Time end = absl::Now() + timeout;
  while (absl::Now() < end) {
    if (predicate(Requests())) return true;
    absl::SleepFor(absl::Milliseconds(50));
  }
  return predicate(Requests());
}

void HttpListener::Handle(int conn) {
  // One request per connection: headers, then Content-Length bytes of body.
  size_t length = 0;
  const std::string data = ReadUntil(conn, [&](const std::string& d) {
    const size_t end = d.find("\r\n\r\n");
    if (end == std::string::npos) return false;
    for (absl::string_view line : absl::StrSplit(d.substr(0, end), "\r\n")) {
      const size_t colon = line.find(':');
      if (colon != absl::string_view::npos &&
          absl::AsciiStrToLower(line.substr(0, colon)) == "content-length") {
        (void)absl::SimpleAtoi(absl::StripAsciiWhitespace(line.substr(colon + 1)), &length);
      }
    }
    return d.size() >= end + 4 + length;
  });
  const size_t header_end = data.find("\r\n\r\n");
  if (header_end == std::string::npos) return;
  HttpRequest request;
  std::vector<std::string> lines = absl::StrSplit(data.substr(0, header_end), "\r\n");
  std::vector<std::string> first = absl::StrSplit(lines[0], ' ');
  if (first.size() >= 2) {
    request.method = first[0];
    request.path = first[1];
  }
  for (size_t i = 1; i < lines.size(); ++i) {
    const size_t colon = lines[i].find(':');
    if (colon == std::string::npos) continue;
    request.headers[absl::AsciiStrToLower(lines[i].substr(0, colon))] =
        std::string(absl::StripAsciiWhitespace(lines[i].substr(colon + 1)));
  }
  request.body = data.substr(header_end + 4, length);
  {
    absl::MutexLock lock(&mu_);
    requests_.push_back(std::move(request));
  }
  absl::SleepFor(absl::Milliseconds(delay_ms_.load()));
  const std::string response = absl::StrCat("HTTP/1.1 ", status_.load(),
                                            " X\r\nContent-Length: 0\r\nConnection: close\r\n\r\n");
  (void)!write(conn, response.data(), response.size());
}

}  // namespace qms::testing
