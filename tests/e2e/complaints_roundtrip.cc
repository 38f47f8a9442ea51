// complaints_roundtrip HOST:PORT PLANT — creates a complaint, reads it back by name, and finds it
// in the plant's list; prints the number and exits 0 only if all three agree.
#include <grpcpp/grpcpp.h>

#include <chrono>
#include <cstdlib>
#include <iostream>
#include <random>

#include "qms/complaints/v1/complaints.grpc.pb.h"

namespace v1 = qms::complaints::v1;

int Fail(const std::string& step, const grpc::Status& status) {
  std::cerr << step << " failed: " << status.error_code() << " " << status.error_message() << "\n";
  return 1;
}

int main(int argc, char** argv) {
  if (argc != 3) {
    std::cerr << "usage: QMS_TOKEN=... complaints_roundtrip HOST:PORT PLANT\n";
    return 2;
  }
  const char* token = std::getenv("QMS_TOKEN");
  const std::string bearer = std::string("Bearer ") + (token ? token : "");
  auto stub = v1::ComplaintService::NewStub(
      grpc::CreateChannel(argv[1], grpc::InsecureChannelCredentials()));
  const std::string plant = argv[2];
  auto deadline = [] { return std::chrono::system_clock::now() + std::chrono::seconds(10); };

  v1::CreateComplaintRequest create;
  create.set_parent("plants/" + plant);
  create.set_request_id("roundtrip-" + std::to_string(std::random_device{}()));
  auto* c = create.mutable_complaint();
  c->set_customer("ROUNDTRIP");
  c->set_part_number("PN-RT");
  c->set_defect_description("end-to-end check of the local stack");
  c->set_channel(v1::EMAIL);
  v1::Complaint created;
  {
    grpc::ClientContext context;
    context.AddMetadata("authorization", bearer);
    context.set_deadline(deadline());
    grpc::Status s = stub->CreateComplaint(&context, create, &created);
    if (!s.ok()) return Fail("CreateComplaint", s);
  }
  v1::Complaint got;
  {
    grpc::ClientContext context;
    context.AddMetadata("authorization", bearer);
    context.set_deadline(deadline());
    v1::GetComplaintRequest get;
    get.set_name(created.name());
    grpc::Status s = stub->GetComplaint(&context, get, &got);
    if (!s.ok()) return Fail("GetComplaint", s);
  }
  v1::ListComplaintsResponse listed;
  {
    grpc::ClientContext context;
    context.AddMetadata("authorization", bearer);
    context.set_deadline(deadline());
    v1::ListComplaintsRequest list;
    list.set_parent("plants/" + plant);
    list.set_customer("ROUNDTRIP");
    grpc::Status s = stub->ListComplaints(&context, list, &listed);
    if (!s.ok()) return Fail("ListComplaints", s);
  }
  bool in_list = false;
  for (const auto& l : listed.complaints()) in_list = in_list || l.name() == created.name();
  if (got.SerializeAsString() != created.SerializeAsString() || !in_list) {
    std::cerr << "round trip mismatch for " << created.name() << "\n";
    return 1;
  }
  std::cout << created.name() << "\n";
  return 0;
}
