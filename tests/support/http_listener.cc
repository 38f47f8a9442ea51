#include "tests/support/http_listener.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cstdlib>

#include "absl/strings/ascii.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "absl/time/clock.h"

namespace qms::testing {

HttpListener::HttpListener() {
  fd_ = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = 0;
  if (fd_ < 0 || bind(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0 ||
      listen(fd_, 64) != 0) {
    std::abort();
  }
  socklen_t len = sizeof addr;
  getsockname(fd_, reinterpret_cast<sockaddr*>(&addr), &len);
  port_ = ntohs(addr.sin_port);
  thread_ = std::thread([this] { Serve(); });
}

HttpListener::~HttpListener() {
  stopping_ = true;
  thread_.join();
  close(fd_);
}

std::string HttpListener::url() const { return absl::StrCat("http://127.0.0.1:", port_, "/hook"); }

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

void HttpListener::Serve() {
  while (!stopping_) {
    pollfd p{fd_, POLLIN, 0};
    if (poll(&p, 1, 100) <= 0) continue;
    const int conn = accept(fd_, nullptr, nullptr);
    if (conn < 0) continue;
    std::string data;
    char buffer[4096];
    size_t header_end = std::string::npos;
    size_t length = 0;
    // Read headers, then Content-Length bytes of body (one request per connection).
    for (;;) {
      pollfd c{conn, POLLIN, 0};
      if (poll(&c, 1, 2000) <= 0) break;
      const ssize_t n = read(conn, buffer, sizeof buffer);
      if (n <= 0) break;
      data.append(buffer, static_cast<size_t>(n));
      if (header_end == std::string::npos) {
        header_end = data.find("\r\n\r\n");
        if (header_end == std::string::npos) continue;
        for (absl::string_view line : absl::StrSplit(data.substr(0, header_end), "\r\n")) {
          const size_t colon = line.find(':');
          if (colon != absl::string_view::npos &&
              absl::AsciiStrToLower(line.substr(0, colon)) == "content-length") {
            (void)absl::SimpleAtoi(absl::StripAsciiWhitespace(line.substr(colon + 1)), &length);
          }
        }
      }
      if (data.size() >= header_end + 4 + length) break;
    }
    if (header_end != std::string::npos) {
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
      const std::string response = absl::StrCat(
          "HTTP/1.1 ", status_.load(), " X\r\nContent-Length: 0\r\nConnection: close\r\n\r\n");
      (void)!write(conn, response.data(), response.size());
    }
    close(conn);
  }
}

}  // namespace qms::testing
