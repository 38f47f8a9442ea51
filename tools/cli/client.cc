#include "tools/cli/client.h"

#include <grpcpp/create_channel.h>
#include <grpcpp/security/credentials.h>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "common/read_file.h"
#include "tools/cli/generic_call.h"

namespace qms::cli {
namespace {

std::string Read(const std::string& path, const char* what) {
  auto content = ReadFile(path);
  if (!content.ok()) throw Failure{kUsage, absl::StrCat(what, ": ", content.status().message())};
  return *content;
}

}  // namespace

std::string Client::AddressOf(const std::string& service) const {
  for (const std::string& endpoint : c_.endpoints) {
    absl::string_view rest = endpoint;
    if (absl::ConsumePrefix(&rest, service + "=")) return std::string(rest);
  }
  if (!c_.address.empty()) return c_.address;
  if (service.empty()) throw Failure{kUsage, "give --service NAME or --address HOST:PORT"};
  // The local stack: the `grpc=` line `scripts/qms up` wrote for the service.
  auto ready = ReadFile(absl::StrCat(c_.var_dir, "/run/", service, ".ready"));
  if (ready.ok()) {
    for (absl::string_view line : absl::StrSplit(*ready, '\n')) {
      if (absl::ConsumePrefix(&line, "grpc=")) return std::string(line);
    }
  }
  throw Failure{kUsage, absl::StrCat("no running ", service, " in ", c_.var_dir,
                                     " (start the local stack with `scripts/qms up`, or give "
                                     "--endpoint ",
                                     service, "=HOST:PORT)")};
}

const std::string& Client::Token() {
  if (!token_read_ && c_.token.empty() && !c_.token_file.empty()) {
    c_.token = std::string(absl::StripAsciiWhitespace(Read(c_.token_file, "--token-file")));
  }
  token_read_ = true;
  return c_.token;
}

Client::Session& Client::Open(const std::string& service) {
  if (auto it = sessions_.find(service); it != sessions_.end()) return it->second;
  const std::string address = AddressOf(service);
  std::shared_ptr<grpc::ChannelCredentials> credentials = grpc::InsecureChannelCredentials();
  if (!c_.ca_file.empty()) {
    grpc::SslCredentialsOptions tls;
    tls.pem_root_certs = Read(c_.ca_file, "--ca");
    if (!c_.cert_file.empty()) {
      tls.pem_cert_chain = Read(c_.cert_file, "--cert");
      tls.pem_private_key = Read(c_.key_file, "--key");
    }
    credentials = grpc::SslCredentials(tls);
  }
  Session session;
  session.channel = grpc::CreateChannel(address, credentials);
  auto server = ReflectedServer::Fetch(session.channel, "qms.", Token());
  if (!server.ok()) {
    throw Failure{
        kUsage, absl::StrCat("cannot read the API at ", address, ": ", server.status().message())};
  }
  session.server = std::move(*server);
  return sessions_.emplace(service, std::move(session)).first->second;
}

const ReflectedServer& Client::Api(const std::string& service) { return *Open(service).server; }

void Client::CallText(const std::string& service, const std::string& method_name,
                      const std::string& request, absl::Duration timeout,
                      const std::function<void(const std::string&)>& on_reply) {
  Session& session = Open(service);
  auto method = session.server->FindMethod(method_name);
  if (!method.ok()) throw Failure{kUsage, std::string(method.status().message())};
  if ((*method)->client_streaming()) {
    throw Failure{kUsage, absl::StrCat((*method)->full_name(), " streams requests; qms sends one")};
  }
  grpc::Status status = CallMethod(session.channel, *session.server, **method, request,
                                   CallOptions{Token(), timeout}, on_reply);
  if (status.ok()) return;
  std::string message = DescribeStatus(status);
  if (status.error_code() == grpc::StatusCode::UNAUTHENTICATED && Token().empty()) {
    absl::StrAppend(&message,
                    "\n(no token: set QMS_TOKEN, give --token or --token-file; for the local stack "
                    "`export QMS_TOKEN=$(scripts/qms token --role quality --plant SZ1)`)");
  }
  throw Failure{static_cast<int>(status.error_code()), message};
}

Json Client::Call(const std::string& service, const std::string& method, const Json& request) {
  Json reply;
  CallText(service, method, request.dump(), absl::Seconds(c_.timeout_seconds),
           [&](const std::string& json) { reply = Json::parse(json); });
  return reply;
}

void Client::Stream(const std::string& service, const std::string& method, const Json& request,
                    const std::function<void(const Json&)>& on_reply) {
  CallText(service, method, request.dump(), absl::InfiniteDuration(),
           [&](const std::string& json) { on_reply(Json::parse(json)); });
}

}  // namespace qms::cli
