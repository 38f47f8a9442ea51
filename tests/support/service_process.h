// A real service binary started by a test: flags in, addresses out (through --ready_file), and
// signals to stop it. Its stderr goes to a log file the test can read.
#ifndef QMS_TESTS_SUPPORT_SERVICE_PROCESS_H_
#define QMS_TESTS_SUPPORT_SERVICE_PROCESS_H_

#include <sys/types.h>

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "tests/support/test_database.h"

namespace qms::testing {

// Every service's policies.json, comma-separated: what --policies_files of notifications gets.
std::string ServicePolicyFiles();

class ServiceProcess {
 public:
  // Starts `binary` on loopback with free ports, plaintext (unless `extra_flags` has
  // --tls_cert_file), the test token secret, a service token and `db`'s credentials, followed by
  // `extra_flags`. Waits until the ready file appears (fails the test after 20 s).
  ServiceProcess(const std::string& binary, const TestDatabase& db,
                 std::vector<std::string> extra_flags = {});
  // The same against any server: its options and a file with the password.
  ServiceProcess(const std::string& binary, const db::DatabaseOptions& db,
                 const std::string& password_file, std::vector<std::string> extra_flags = {});
  ~ServiceProcess();  // SIGKILL if still running

  const std::string& grpc_address() const { return grpc_address_; }
  const std::string& metrics_address() const { return metrics_address_; }
  const std::string& health_address() const { return health_address_; }  // --health_listen
  const std::string& log_file() const { return log_file_; }
  pid_t pid() const { return pid_; }

  void Signal(int signal);
  // The passes the process's loop `loop` ("engine", "deliveries", "outbox-relay", ...) has
  // completed, from qms_loop_passes_total on its /metrics (-1 when unreadable).
  int64_t LoopPasses(const std::string& loop) const;
  // Waits until `loop` has completed `more` passes after this call: how a test shows that
  // something did not happen (the loop that would have done it looked again), never a sleep.
  bool AwaitLoopPasses(const std::string& loop, int more = 2,
                       absl::Duration timeout = absl::Seconds(20)) const;
  // Waits for the process to exit and returns its exit code (128+N when killed by signal N);
  // -1 on timeout.
  int Wait(absl::Duration timeout);

 private:
  pid_t pid_ = -1;
  std::string ready_file_;
  std::string log_file_;
  std::string grpc_address_;
  std::string metrics_address_;
  std::string health_address_;
};

// Body of GET http://address/path, or an error.
absl::StatusOr<std::string> HttpGet(const std::string& address, const std::string& path);

// The value of the sample of `metric` whose labels include every `label="value"` in `labels`
// (summed when several samples match), or -1 when none does.
double MetricSample(const std::string& text, const std::string& metric,
                    const std::vector<std::string>& labels);

// Output of running `command` in a shell, with its exit code.
struct CommandResult {
  int exit_code;
  std::string output;
};
CommandResult RunCommand(const std::string& command);

}  // namespace qms::testing

#endif  // QMS_TESTS_SUPPORT_SERVICE_PROCESS_H_
