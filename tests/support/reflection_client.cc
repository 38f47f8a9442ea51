#include "tests/support/reflection_client.h"

#include <google/protobuf/descriptor.pb.h>
#include <grpcpp/grpcpp.h>

#include <set>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "grpc/reflection/v1alpha/reflection.grpc.pb.h"

namespace qms::testing {

namespace reflection = grpc::reflection::v1alpha;

absl::StatusOr<std::unique_ptr<ReflectedServer>> ReflectedServer::Fetch(const std::string& address,
                                                                        absl::string_view prefix) {
  auto stub = reflection::ServerReflection::NewStub(
      grpc::CreateChannel(address, grpc::InsecureChannelCredentials()));
  grpc::ClientContext context;
  context.set_deadline(absl::ToChronoTime(absl::Now() + absl::Seconds(10)));
  auto stream = stub->ServerReflectionInfo(&context);
  const auto ask = [&](const reflection::ServerReflectionRequest& request)
      -> absl::StatusOr<reflection::ServerReflectionResponse> {
    reflection::ServerReflectionResponse response;
    if (!stream->Write(request) || !stream->Read(&response)) {
      return absl::UnavailableError(absl::StrCat("reflection at ", address, " ended"));
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

}  // namespace qms::testing
