#include "tools/cli/reflection.h"

#include <google/protobuf/descriptor.pb.h>
#include <grpcpp/grpcpp.h>

#include <set>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_replace.h"
#include "absl/time/clock.h"
#include "grpc/reflection/v1alpha/reflection.grpc.pb.h"

namespace qms::cli {

namespace reflection = grpc::reflection::v1alpha;

absl::StatusOr<std::unique_ptr<ReflectedServer>> ReflectedServer::Fetch(
    const std::shared_ptr<grpc::Channel>& channel, absl::string_view prefix,
    const std::string& token) {
  auto stub = reflection::ServerReflection::NewStub(channel);
  grpc::ClientContext context;
  context.set_deadline(absl::ToChronoTime(absl::Now() + absl::Seconds(10)));
  if (!token.empty()) context.AddMetadata("authorization", absl::StrCat("Bearer ", token));
  auto stream = stub->ServerReflectionInfo(&context);
  const auto ask = [&](const reflection::ServerReflectionRequest& request)
      -> absl::StatusOr<reflection::ServerReflectionResponse> {
    reflection::ServerReflectionResponse response;
    if (!stream->Write(request) || !stream->Read(&response)) {
      grpc::Status ended = stream->Finish();
      return absl::UnavailableError(
          absl::StrCat("the server's reflection ended: ", ended.error_message()));
    }
    if (response.has_error_response()) {
      return absl::NotFoundError(response.error_response().error_message());
    }
    return response;
  };

  std::unique_ptr<ReflectedServer> server(new ReflectedServer());
  reflection::ServerReflectionRequest list;
  list.set_list_services("*");
  absl::StatusOr<reflection::ServerReflectionResponse> listed = ask(list);
  if (!listed.ok()) return listed.status();
  std::vector<std::string> names;
  for (const auto& s : listed->list_services_response().service()) {
    if (absl::StartsWith(s.name(), prefix)) names.push_back(s.name());
  }
  std::set<std::string> loaded;
  for (const std::string& name : names) {
    reflection::ServerReflectionRequest files;
    files.set_file_containing_symbol(name);
    absl::StatusOr<reflection::ServerReflectionResponse> found = ask(files);
    if (!found.ok()) return found.status();
    // The file and, transitively, every file it imports.
    for (const std::string& bytes : found->file_descriptor_response().file_descriptor_proto()) {
      google::protobuf::FileDescriptorProto file;
      if (!file.ParseFromString(bytes)) return absl::DataLossError("a file descriptor");
      if (loaded.insert(file.name()).second) server->database_.Add(file);
    }
  }
  stream->WritesDone();
  grpc::Status finished = stream->Finish();
  if (!finished.ok()) return absl::UnavailableError(finished.error_message());
  for (const std::string& name : names) {
    const google::protobuf::ServiceDescriptor* s = server->pool_.FindServiceByName(name);
    if (s == nullptr) return absl::NotFoundError(absl::StrCat(name, " has no descriptor"));
    server->services_.push_back(s);
  }
  return server;
}

absl::StatusOr<std::unique_ptr<ReflectedServer>> ReflectedServer::Fetch(const std::string& address,
                                                                        absl::string_view prefix) {
  return Fetch(grpc::CreateChannel(address, grpc::InsecureChannelCredentials()), prefix);
}

absl::StatusOr<const google::protobuf::MethodDescriptor*> ReflectedServer::FindMethod(
    absl::string_view name) const {
  std::string wanted = absl::StrReplaceAll(name, {{"/", "."}});
  std::vector<const google::protobuf::MethodDescriptor*> found;
  for (const google::protobuf::ServiceDescriptor* service : services_) {
    for (int i = 0; i < service->method_count(); ++i) {
      const google::protobuf::MethodDescriptor* m = service->method(i);
      if (m->full_name() == wanted) return m;
      if (absl::EndsWith(m->full_name(), absl::StrCat(".", wanted))) found.push_back(m);
    }
  }
  if (found.size() == 1) return found.front();
  if (found.empty()) {
    return absl::NotFoundError(absl::StrCat("the server has no method ", name));
  }
  std::vector<std::string> names;
  for (const auto* m : found) names.push_back(m->full_name());
  return absl::InvalidArgumentError(
      absl::StrCat(name, " is ambiguous: ", absl::StrJoin(names, ", ")));
}

std::unique_ptr<google::protobuf::Message> ReflectedServer::NewMessage(
    const google::protobuf::Descriptor* type) const {
  return std::unique_ptr<google::protobuf::Message>(factory_.GetPrototype(type)->New());
}

}  // namespace qms::cli
