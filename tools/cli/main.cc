// qms: the suite's command line. Every method of every service through server reflection (no
// recompilation when a service grows): `qms services`, `qms describe SYMBOL`,
// `qms call METHOD JSON`. Exit code 0 when the call is OK, else the gRPC status code (1..16);
// 64 for a usage or connection problem found before any call.
#include <grpcpp/create_channel.h>
#include <grpcpp/security/credentials.h>

#include <CLI/CLI.hpp>
#include <cstdlib>
#include <iostream>
#include <iterator>
#include <string>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "absl/time/time.h"
#include "common/read_file.h"
#include "tools/cli/generic_call.h"
#include "tools/cli/reflection.h"

namespace qms::cli {
namespace {

constexpr int kUsage = 64;

struct Connection {
  std::string service;  // a name of services/registry.txt, resolved through the local stack
  std::string address;  // host:port; wins over --service
  std::string var_dir;  // the local stack's var/ (QMS_VAR_DIR)
  std::string token;
  std::string token_file;
  std::string ca_file;    // TLS: the servers' CA; empty = plaintext
  std::string cert_file;  // mutual TLS: this client's certificate and key
  std::string key_file;
  double timeout_seconds = 30;
};

// Where `service` of the local stack listens: the `grpc=` line `scripts/qms up` wrote.
std::string LocalAddress(const Connection& c) {
  auto ready = ReadFile(absl::StrCat(c.var_dir, "/run/", c.service, ".ready"));
  if (!ready.ok()) return "";
  for (absl::string_view line : absl::StrSplit(*ready, '\n')) {
    if (absl::ConsumePrefix(&line, "grpc=")) return std::string(line);
  }
  return "";
}

int Fail(const std::string& message) {
  std::cerr << "qms: " << message << "\n";
  return kUsage;
}

// The channel, the token and the server's API, or a message saying what is missing.
struct Session {
  std::shared_ptr<grpc::Channel> channel;
  std::string token;
  std::unique_ptr<ReflectedServer> server;
};

absl::StatusOr<Session> Open(const Connection& c) {
  std::string address = c.address;
  if (address.empty() && !c.service.empty()) {
    address = LocalAddress(c);
    if (address.empty()) {
      return absl::FailedPreconditionError(
          absl::StrCat("no running ", c.service, " in ", c.var_dir,
                       " (start the local stack with `scripts/qms up`, or give --address)"));
    }
  }
  if (address.empty())
    return absl::InvalidArgumentError("give --service NAME or --address HOST:PORT");
  std::shared_ptr<grpc::ChannelCredentials> credentials = grpc::InsecureChannelCredentials();
  if (!c.ca_file.empty()) {
    grpc::SslCredentialsOptions tls;
    auto ca = ReadFile(c.ca_file);
    if (!ca.ok()) return ca.status();
    tls.pem_root_certs = *ca;
    if (!c.cert_file.empty() || !c.key_file.empty()) {
      auto cert = ReadFile(c.cert_file);
      auto key = ReadFile(c.key_file);
      if (!cert.ok()) return cert.status();
      if (!key.ok()) return key.status();
      tls.pem_cert_chain = *cert;
      tls.pem_private_key = *key;
    }
    credentials = grpc::SslCredentials(tls);
  }
  Session session;
  session.token = c.token;
  if (session.token.empty() && !c.token_file.empty()) {
    auto token = ReadFile(c.token_file);
    if (!token.ok()) return token.status();
    session.token = std::string(absl::StripAsciiWhitespace(*token));
  }
  session.channel = grpc::CreateChannel(address, credentials);
  auto server = ReflectedServer::Fetch(session.channel, "qms.", session.token);
  if (!server.ok()) {
    return absl::UnavailableError(
        absl::StrCat("cannot read the API of ", address, ": ", server.status().message()));
  }
  session.server = std::move(*server);
  return session;
}

void ListServices(const ReflectedServer& server) {
  for (const auto* service : server.services()) {
    std::cout << service->full_name() << "\n";
    for (int i = 0; i < service->method_count(); ++i) {
      const auto* m = service->method(i);
      std::cout << "  " << m->name() << "(" << m->input_type()->full_name() << ") returns ("
                << (m->server_streaming() ? "stream " : "") << m->output_type()->full_name()
                << ")\n";
    }
  }
}

int Describe(const ReflectedServer& server, const std::string& symbol) {
  const auto& pool = server.pool();
  if (const auto* m = pool.FindMessageTypeByName(symbol)) {
    std::cout << m->DebugString();
  } else if (const auto* e = pool.FindEnumTypeByName(symbol)) {
    std::cout << e->DebugString();
  } else if (const auto* s = pool.FindServiceByName(symbol)) {
    std::cout << s->DebugString();
  } else if (auto method = server.FindMethod(symbol); method.ok()) {
    std::cout << (*method)->DebugString() << (*method)->input_type()->DebugString();
  } else {
    return Fail(absl::StrCat("the server knows no message, enum, service or method ", symbol));
  }
  return 0;
}

int Call(const Session& session, const std::string& method_name, std::string request,
         absl::Duration timeout) {
  auto method = session.server->FindMethod(method_name);
  if (!method.ok()) return Fail(std::string(method.status().message()));
  if ((*method)->client_streaming()) {
    return Fail(absl::StrCat((*method)->full_name(), " streams requests; qms sends one"));
  }
  if (request == "-") {
    request.assign(std::istreambuf_iterator<char>(std::cin), std::istreambuf_iterator<char>());
  }
  CallOptions options{session.token, timeout};
  grpc::Status status = CallMethod(session.channel, *session.server, **method, request, options,
                                   [](const std::string& json) { std::cout << json << std::endl; });
  if (status.ok()) return 0;
  std::cerr << DescribeStatus(status) << "\n";
  if (status.error_code() == grpc::StatusCode::UNAUTHENTICATED && session.token.empty()) {
    std::cerr << "(no token: set QMS_TOKEN, give --token or --token-file; for the local stack "
                 "`export QMS_TOKEN=$(scripts/qms token --role quality --plant SZ1)`)\n";
  }
  return static_cast<int>(status.error_code());
}

int Main(int argc, char** argv) {
  CLI::App app{
      "qms: the QMS Suite's command line. Calls any method of any service through server "
      "reflection.\nExit code: 0 OK, the gRPC status code (1-16) of a failed call, 64 for a usage "
      "or connection problem."};
  app.require_subcommand(1);
  Connection c;
  if (const char* v = std::getenv("QMS_TOKEN")) c.token = v;
  c.var_dir = std::getenv("QMS_VAR_DIR") != nullptr ? std::getenv("QMS_VAR_DIR") : "var";
  app.add_option("-s,--service", c.service,
                 "A service of the local stack (complaints, notifications, returns, …): its "
                 "address is read from the stack's var/run")
      ->envname("QMS_SERVICE");
  app.add_option("-a,--address", c.address, "host:port of the server (wins over --service)")
      ->envname("QMS_ADDRESS");
  app.add_option("--var-dir", c.var_dir, "The local stack's var/ (default $QMS_VAR_DIR or var)");
  app.add_option("--token", c.token, "Bearer token (default $QMS_TOKEN)");
  app.add_option("--token-file", c.token_file, "A file holding the bearer token");
  app.add_option("--ca", c.ca_file, "TLS: the CA the server's certificate is checked against");
  app.add_option("--cert", c.cert_file, "Mutual TLS: this client's certificate")->needs("--ca");
  app.add_option("--key", c.key_file, "Mutual TLS: this client's private key")->needs("--cert");
  app.add_option("--timeout", c.timeout_seconds, "Deadline of a call in seconds")
      ->check(CLI::PositiveNumber);

  CLI::App* services = app.add_subcommand("services", "List the services and their methods");
  std::string symbol;
  CLI::App* describe =
      app.add_subcommand("describe", "Show a message, enum, service or method as protobuf text");
  describe->add_option("symbol", symbol, "e.g. qms.complaints.v1.Complaint or CreateComplaint")
      ->required();
  std::string method_name;
  std::string request;
  CLI::App* call =
      app.add_subcommand("call",
                         "Call a method with a JSON request and print each reply as JSON (a server "
                         "stream as it arrives)");
  call->add_option("method", method_name,
                   "Service/Method, pkg.Service/Method or an unambiguous Method")
      ->required();
  call->add_option("request", request, "The request as JSON; - reads it from stdin")
      ->default_val("{}");
  bool forever = false;
  call->add_flag("--no-deadline", forever, "No deadline (for a watch that runs until stopped)");

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    int code = app.exit(e);
    return code == 0 ? 0 : kUsage;
  }
  absl::StatusOr<Session> session = Open(c);
  if (!session.ok()) return Fail(std::string(session.status().message()));
  if (services->parsed()) {
    ListServices(*session->server);
    return 0;
  }
  if (describe->parsed()) return Describe(*session->server, symbol);
  return Call(*session, method_name, request,
              forever ? absl::InfiniteDuration() : absl::Seconds(c.timeout_seconds));
}

}  // namespace
}  // namespace qms::cli

int main(int argc, char** argv) { return qms::cli::Main(argc, argv); }
