#include "common/server/caller.h"

#include <grpcpp/server_context.h>

#include "absl/strings/str_split.h"

namespace qms::server {
namespace {

std::string Metadata(const grpc::ServerContext& context, const char* key) {
  auto it = context.client_metadata().find(key);
  if (it == context.client_metadata().end()) return "";
  return std::string(it->second.data(), it->second.size());
}

}  // namespace

Caller CallerOf(const grpc::ServerContext& context) {
  Caller caller;
  caller.subject = Metadata(context, "x-qms-subject");
  if (caller.subject.empty() || caller.subject.size() > 128) caller.subject = "anonymous";
  for (absl::string_view role :
       absl::StrSplit(Metadata(context, "x-qms-roles"), ',', absl::SkipEmpty())) {
    caller.roles.emplace_back(role);
  }
  return caller;
}

}  // namespace qms::server
