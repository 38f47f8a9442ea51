#include "tests/support/service_process.h"

#include <curl/curl.h>
#include <fcntl.h>
#include <glob.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cstdio>
#include <fstream>
#include <sstream>

#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "absl/time/clock.h"
#include "tests/support/tokens.h"

namespace qms::testing {

std::string ServicePolicyFiles() {
  glob_t found;
  std::vector<std::string> files;
  if (glob(QMS_SOURCE_DIR "/services/*/policies.json", 0, nullptr, &found) == 0) {
    for (size_t i = 0; i < found.gl_pathc; ++i) files.emplace_back(found.gl_pathv[i]);
  }
  globfree(&found);
  return absl::StrJoin(files, ",");
}

ServiceProcess::ServiceProcess(const std::string& binary, const TestDatabase& db,
                               std::vector<std::string> extra_flags)
    : ServiceProcess(binary, db.options(), db.password_file(), std::move(extra_flags)) {}

ServiceProcess::ServiceProcess(const std::string& binary, const db::DatabaseOptions& o,
                               const std::string& password_file,
                               std::vector<std::string> extra_flags) {
  static std::atomic<int> counter{0};
  const std::string base = absl::StrCat(::testing::TempDir(), "/svc_", getpid(), "_", counter++);
  ready_file_ = base + ".ready";
  log_file_ = base + ".log";
  std::remove(ready_file_.c_str());
  std::vector<std::string> args = {binary,
                                   "--listen=127.0.0.1:0",
                                   "--metrics_listen=127.0.0.1:0",
                                   "--ready_file=" + ready_file_,
                                   absl::StrCat("--db_port=", o.port),
                                   "--db_host=" + o.host,
                                   "--db_name=" + o.database,
                                   "--db_user=" + o.user,
                                   "--db_password_file=" + password_file};
  // Plaintext on loopback unless the test configures TLS itself.
  bool tls = false;
  for (const std::string& f : extra_flags) tls = tls || absl::StartsWith(f, "--tls_cert_file=");
  if (!tls) args.push_back("--plaintext");
  // Every server trusts the test token secret; every client service carries a service token.
  args.push_back("--jwt_hs256_secret_file=" + TestSecretFile());
  args.push_back("--service_token_file=" + ServiceTokenFile());
  // Notifications learns every service's timer policies, as the chart and `scripts/qms up` give
  // them, unless the test brings its own.
  if (absl::EndsWith(binary, "/notifications") &&
      std::none_of(extra_flags.begin(), extra_flags.end(),
                   [](const std::string& f) { return absl::StartsWith(f, "--policies_files="); })) {
    args.push_back("--policies_files=" + ServicePolicyFiles());
  }
  for (auto& f : extra_flags) args.push_back(std::move(f));

  pid_ = fork();
  if (pid_ == 0) {
    int fd = open(log_file_.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    dup2(fd, 1);
    dup2(fd, 2);
    std::vector<char*> argv;
    for (auto& a : args) argv.push_back(a.data());
    argv.push_back(nullptr);
    execv(argv[0], argv.data());
    _exit(127);
  }
  const absl::Time deadline = absl::Now() + absl::Seconds(20);
  while (absl::Now() < deadline) {
    std::ifstream in(ready_file_);
    if (in) {
      std::string line;
      while (std::getline(in, line)) {
        if (absl::StartsWith(line, "grpc=")) grpc_address_ = line.substr(5);
        if (absl::StartsWith(line, "metrics=")) metrics_address_ = line.substr(8);
        if (absl::StartsWith(line, "health=")) health_address_ = line.substr(7);
      }
      return;
    }
    int status;
    if (waitpid(pid_, &status, WNOHANG) == pid_) {
      pid_ = -1;
      std::ifstream log(log_file_);
      std::stringstream text;
      text << log.rdbuf();
      ADD_FAILURE() << binary << " exited before it was ready:\n" << text.str();
      return;
    }
    absl::SleepFor(absl::Milliseconds(20));
  }
  ADD_FAILURE() << binary << " was not ready within 20 s";
}

ServiceProcess::~ServiceProcess() {
  if (pid_ > 0) {
    kill(pid_, SIGKILL);
    waitpid(pid_, nullptr, 0);
  }
}

void ServiceProcess::Signal(int signal) {
  if (pid_ > 0) kill(pid_, signal);
}

int ServiceProcess::Wait(absl::Duration timeout) {
  if (pid_ <= 0) return -1;
  const absl::Time deadline = absl::Now() + timeout;
  while (absl::Now() < deadline) {
    int status;
    if (waitpid(pid_, &status, WNOHANG) == pid_) {
      pid_ = -1;
      if (WIFEXITED(status)) return WEXITSTATUS(status);
      if (WIFSIGNALED(status)) return 128 + WTERMSIG(status);
      return -1;
    }
    absl::SleepFor(absl::Milliseconds(10));
  }
  return -1;
}

namespace {
size_t Append(char* data, size_t size, size_t count, void* out) {
  static_cast<std::string*>(out)->append(data, size * count);
  return size * count;
}
}  // namespace

absl::StatusOr<std::string> HttpGet(const std::string& address, const std::string& path) {
  CURL* curl = curl_easy_init();
  std::string body;
  const std::string url = absl::StrCat("http://", address, path);
  curl_easy_setopt(curl, CURLOPT_URL, url.c_str());
  curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, Append);
  curl_easy_setopt(curl, CURLOPT_WRITEDATA, &body);
  curl_easy_setopt(curl, CURLOPT_TIMEOUT, 10L);
  CURLcode code = curl_easy_perform(curl);
  long http = 0;
  curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &http);
  curl_easy_cleanup(curl);
  if (code != CURLE_OK) return absl::UnavailableError(curl_easy_strerror(code));
  if (http != 200) return absl::InternalError(absl::StrCat("HTTP ", http));
  return body;
}

double MetricSample(const std::string& text, const std::string& metric,
                    const std::vector<std::string>& labels) {
  std::istringstream lines(text);
  std::string line;
  double sum = -1;
  while (std::getline(lines, line)) {
    if (line.rfind(metric + "{", 0) != 0 && line.rfind(metric + " ", 0) != 0) continue;
    bool all = true;
    for (const auto& l : labels) all = all && line.find(l) != std::string::npos;
    if (!all) continue;
    sum = (sum < 0 ? 0 : sum) + std::stod(line.substr(line.rfind(' ') + 1));
  }
  return sum;
}

CommandResult RunCommand(const std::string& command) {
  CommandResult result{-1, ""};
  FILE* pipe = popen((command + " 2>&1").c_str(), "r");
  if (pipe == nullptr) return result;
  char buffer[4096];
  size_t n;
  while ((n = fread(buffer, 1, sizeof buffer, pipe)) > 0) result.output.append(buffer, n);
  int status = pclose(pipe);
  result.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  return result;
}

int64_t ServiceProcess::LoopPasses(const std::string& loop) const {
  auto metrics = HttpGet(metrics_address_, "/metrics");
  if (!metrics.ok()) return -1;
  const std::string series = absl::StrCat("qms_loop_passes_total{loop=\"", loop, "\"} ");
  const size_t at = metrics->find(series);
  if (at == std::string::npos) return 0;
  double value = 0;
  const size_t start = at + series.size();
  if (!absl::SimpleAtod(metrics->substr(start, metrics->find('\n', start) - start), &value)) {
    return -1;
  }
  return static_cast<int64_t>(value);
}

bool ServiceProcess::AwaitLoopPasses(const std::string& loop, int more,
                                     absl::Duration timeout) const {
  const int64_t start = LoopPasses(loop);
  if (start < 0) return false;
  const absl::Time end = absl::Now() + timeout;
  while (absl::Now() < end) {
    if (LoopPasses(loop) >= start + more) return true;
    absl::SleepFor(absl::Milliseconds(20));
  }
  return false;
}

}  // namespace qms::testing
