// The command line's view of the suite: which address each service has, one channel and one
// reflected API per service, and calls with JSON in and out. Every failure is a `Failure` that
// main() prints and turns into the exit code, so a command reads as the calls it makes.
#ifndef QMS_TOOLS_CLI_CLIENT_H_
#define QMS_TOOLS_CLI_CLIENT_H_

#include <grpcpp/channel.h>

#include <functional>
#include <map>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "absl/time/time.h"
#include "tools/cli/reflection.h"

namespace qms::cli {

using Json = nlohmann::ordered_json;

// Exit code of a usage or connection problem found before any call.
inline constexpr int kUsage = 64;

// A command that cannot go on: `exit_code` is the gRPC status code of a failed call (1..16) or
// kUsage; `message` is what the user reads.
struct Failure {
  int exit_code;
  std::string message;
};

struct Connection {
  std::string service;                 // generic commands: a name of services/registry.txt
  std::string address;                 // host:port for every service (wins over the local stack)
  std::vector<std::string> endpoints;  // NAME=HOST:PORT, one service each (win over address)
  std::string var_dir;                 // the local stack's var/ (QMS_VAR_DIR)
  std::string token;
  std::string token_file;
  std::string ca_file;    // TLS: the servers' CA; empty = plaintext
  std::string cert_file;  // mutual TLS: this client's certificate and key
  std::string key_file;
  double timeout_seconds = 30;
};

class Client {
 public:
  explicit Client(Connection c) : c_(std::move(c)) {}

  // The reflected API of `service` (connecting on first use).
  const ReflectedServer& Api(const std::string& service);
  // A unary call; the reply as JSON (proto3 JSON: lowerCamelCase field names).
  Json Call(const std::string& service, const std::string& method, const Json& request);
  // A server-streaming call without a deadline: `on_reply` for each message as it arrives.
  void Stream(const std::string& service, const std::string& method, const Json& request,
              const std::function<void(const Json&)>& on_reply);
  // The generic form: the request as JSON text, each reply as JSON text.
  void CallText(const std::string& service, const std::string& method, const std::string& request,
                absl::Duration timeout, const std::function<void(const std::string&)>& on_reply);

  const Connection& connection() const { return c_; }

 private:
  struct Session {
    std::shared_ptr<grpc::Channel> channel;
    std::unique_ptr<ReflectedServer> server;
  };
  Session& Open(const std::string& service);
  std::string AddressOf(const std::string& service) const;
  const std::string& Token();

  Connection c_;
  bool token_read_ = false;
  std::map<std::string, Session> sessions_;
};

}  // namespace qms::cli

#endif  // QMS_TOOLS_CLI_CLIENT_H_
