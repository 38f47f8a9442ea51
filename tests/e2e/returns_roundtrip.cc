// returns_roundtrip HOST:PORT PLANT — registers a bulk return of the plant and books its receipt,
// then reads it back; prints the return's name and exits 0 only if it is RECEIVED with the count.
#include <grpcpp/grpcpp.h>

#include <chrono>
#include <cstdlib>
#include <iostream>
#include <random>

#include "qms/returns/v1/returns.grpc.pb.h"

namespace v1 = qms::returns::v1;

int Fail(const std::string& step, const grpc::Status& status) {
  std::cerr << step << " failed: " << status.error_code() << " " << status.error_message() << "\n";
  return 1;
}

int main(int argc, char** argv) {
  if (argc != 3) {
    std::cerr << "usage: QMS_TOKEN=... returns_roundtrip HOST:PORT PLANT\n";
    return 2;
  }
  const char* token = std::getenv("QMS_TOKEN");
  const std::string bearer = std::string("Bearer ") + (token ? token : "");
  auto stub =
      v1::ReturnService::NewStub(grpc::CreateChannel(argv[1], grpc::InsecureChannelCredentials()));
  const auto prepare = [&](grpc::ClientContext& context) {
    context.AddMetadata("authorization", bearer);
    context.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(10));
  };

  v1::CreateReturnRequest create;
  create.set_parent(std::string("plants/") + argv[2]);
  create.set_request_id("roundtrip-" + std::to_string(std::random_device{}()));
  create.mutable_return_()->set_customer("ROUNDTRIP");
  create.mutable_return_()->set_bulk(true);
  auto* line = create.mutable_return_()->add_lines();
  line->set_part_number("PN-RT");
  line->set_announced_quantity(12);
  line->set_reason_code("SEASONAL");
  v1::Return created;
  {
    grpc::ClientContext context;
    prepare(context);
    if (grpc::Status s = stub->CreateReturn(&context, create, &created); !s.ok()) {
      return Fail("CreateReturn", s);
    }
  }
  v1::RecordReceiptRequest receipt;
  receipt.set_name(created.name());
  receipt.mutable_receipt()->set_receipt_number("WH-RT");
  auto* counted = receipt.mutable_receipt()->add_lines();
  counted->set_line(1);
  counted->set_quantity(12);
  v1::Return received;
  {
    grpc::ClientContext context;
    prepare(context);
    if (grpc::Status s = stub->RecordReceipt(&context, receipt, &received); !s.ok()) {
      return Fail("RecordReceipt", s);
    }
  }
  v1::Return got;
  {
    grpc::ClientContext context;
    prepare(context);
    v1::GetReturnRequest get;
    get.set_name(created.name());
    if (grpc::Status s = stub->GetReturn(&context, get, &got); !s.ok()) return Fail("GetReturn", s);
  }
  if (got.state() != v1::RECEIVED || got.lines(0).received_quantity() != 12) {
    std::cerr << "the return read back is not the one received: " << got.ShortDebugString() << "\n";
    return 1;
  }
  std::cout << got.name() << "\n";
  return 0;
}
