// qms: the suite's command line. The daily work (complaints, findings, timers, calendars,
// returns, a live watch) as tables for people and --json for scripts, and every method of every
// service through server reflection (`qms services`, `qms describe`, `qms call`), so nothing is
// recompiled when a service grows. Exit code 0 when the calls are OK, else the gRPC status code
// of the failed one (1..16); 64 for a usage or connection problem found before any call.
#include <CLI/CLI.hpp>
#include <cstdlib>
#include <iostream>
#include <iterator>
#include <string>

#include "absl/strings/str_cat.h"
#include "tools/cli/client.h"
#include "tools/cli/commands.h"
#include "tools/cli/demo.h"
#include "tools/cli/reflection.h"

namespace qms::cli {
namespace {

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

void Describe(const ReflectedServer& server, const std::string& symbol) {
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
    throw Failure{kUsage,
                  absl::StrCat("the server knows no message, enum, service or method ", symbol)};
  }
}

void AddGenericCommands(CLI::App& app, Client& client) {
  Command(app, "services", "List the services of --service (or --address) and their methods",
          [&client] { ListServices(client.Api(client.connection().service)); });

  auto symbol = std::make_shared<std::string>();
  Command(app, "describe", "Show a message, enum, service or method as protobuf text",
          [&client, symbol] { Describe(client.Api(client.connection().service), *symbol); })
      ->add_option("symbol", *symbol, "e.g. qms.complaints.v1.Complaint or CreateComplaint")
      ->required();

  struct CallOptions {
    std::string method;
    std::string request = "{}";
    bool forever = false;
  };
  auto o = std::make_shared<CallOptions>();
  CLI::App* call = Command(
      app, "call",
      "Call any method of --service with a JSON request; each reply printed as JSON (a server "
      "stream as it arrives)",
      [&client, o] {
        std::string request = o->request;
        if (request == "-") {
          request.assign(std::istreambuf_iterator<char>(std::cin),
                         std::istreambuf_iterator<char>());
        }
        client.CallText(client.connection().service, o->method, request,
                        o->forever ? absl::InfiniteDuration()
                                   : absl::Seconds(client.connection().timeout_seconds),
                        [](const std::string& json) { std::cout << json << std::endl; });
      });
  call->add_option("method", o->method,
                   "Service/Method, pkg.Service/Method or an unambiguous Method")
      ->required();
  call->add_option("request", o->request, "The request as JSON; - reads it from stdin")
      ->capture_default_str();
  call->add_flag("--no-deadline", o->forever, "No deadline (for a stream that runs until stopped)");
}

int Main(int argc, char** argv) {
  CLI::App app{
      "qms: the QMS Suite's command line.\n"
      "Daily work as tables (--json for scripts): complaints, findings, timers, calendar, "
      "returns, watch.\n"
      "Any method of any service through server reflection: services, describe, call.\n"
      "Endpoints: the local stack's var/run (after `scripts/qms up`), --endpoint NAME=HOST:PORT or "
      "--address. Token: $QMS_TOKEN, --token or --token-file.\n"
      "Exit code: 0 OK, the gRPC status code (1-16) of a failed call, 64 for a usage or "
      "connection problem."};
  app.name("qms");
  app.require_subcommand(1);
  app.fallthrough();  // the options above work after a command too: `qms complaints list --json`
  Connection c;
  if (const char* v = std::getenv("QMS_TOKEN")) c.token = v;
  c.var_dir = std::getenv("QMS_VAR_DIR") != nullptr ? std::getenv("QMS_VAR_DIR") : "var";
  app.add_option("-s,--service", c.service,
                 "For services, describe and call: a service of the local stack (complaints, "
                 "notifications, returns, …)")
      ->envname("QMS_SERVICE");
  app.add_option("-a,--address", c.address, "host:port of every service (a gateway, or one server)")
      ->envname("QMS_ADDRESS");
  app.add_option("--endpoint", c.endpoints, "NAME=HOST:PORT of one service (repeatable)")
      ->envname("QMS_ENDPOINTS")
      ->delimiter(',');
  app.add_option("--var-dir", c.var_dir, "The local stack's var/ (default $QMS_VAR_DIR or var)");
  app.add_option("--token", c.token, "Bearer token (default $QMS_TOKEN)");
  app.add_option("--token-file", c.token_file, "A file holding the bearer token");
  app.add_option("--ca", c.ca_file, "TLS: the CA the servers' certificates are checked against");
  app.add_option("--cert", c.cert_file, "Mutual TLS: this client's certificate")->needs("--ca");
  app.add_option("--key", c.key_file, "Mutual TLS: this client's private key")->needs("--cert");
  app.add_option("--timeout", c.timeout_seconds, "Deadline of a call in seconds")
      ->check(CLI::PositiveNumber)
      ->capture_default_str();
  bool json = false;
  app.add_flag("--json", json, "Replies as JSON (one document per command, a line per event)");
  app.get_option("--cert")->needs("--key");

  // The chosen command runs once every option is parsed (the client is made from them first);
  // it connects to the services it calls as it calls them.
  Client shared(Connection{});
  Context context{shared, false};
  AddComplaintCommands(app, context);
  AddNotificationCommands(app, context);
  AddReturnCommands(app, context);
  AddDemoCommand(app, context);
  AddGenericCommands(app, shared);

  app.parse_complete_callback([&] {
    shared = Client(c);
    context.json = json;
  });
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    const int code = app.exit(e);
    return code == 0 ? 0 : kUsage;
  } catch (const Failure& f) {
    std::cerr << (f.exit_code == kUsage ? "qms: " : "") << f.message << "\n";
    return f.exit_code;
  }
  return 0;
}

}  // namespace
}  // namespace qms::cli

int main(int argc, char** argv) { return qms::cli::Main(argc, argv); }
