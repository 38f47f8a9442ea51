// reflection_probe HOST:PORT — prints the services a server lists through gRPC reflection,
// one per line; exit 1 when the server does not answer.
#include <grpcpp/grpcpp.h>

#include <iostream>

#include "grpc/reflection/v1alpha/reflection.grpc.pb.h"

int main(int argc, char** argv) {
  if (argc != 2) {
    std::cerr << "usage: reflection_probe HOST:PORT\n";
    return 2;
  }
  namespace reflection = grpc::reflection::v1alpha;
  auto channel = grpc::CreateChannel(argv[1], grpc::InsecureChannelCredentials());
  auto stub = reflection::ServerReflection::NewStub(channel);
  grpc::ClientContext context;
  context.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(10));
  auto stream = stub->ServerReflectionInfo(&context);
  reflection::ServerReflectionRequest request;
  request.set_list_services("*");
  stream->Write(request);
  stream->WritesDone();
  reflection::ServerReflectionResponse response;
  bool listed = false;
  while (stream->Read(&response)) {
    for (const auto& service : response.list_services_response().service()) {
      std::cout << service.name() << "\n";
      listed = true;
    }
  }
  grpc::Status status = stream->Finish();
  if (!status.ok() || !listed) {
    std::cerr << "reflection failed: " << status.error_message() << "\n";
    return 1;
  }
  return 0;
}
