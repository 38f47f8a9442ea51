// The complaints client against the complaints service as its binary wires it (in process, real
// gRPC, the test MariaDB), calling as a service does: with the service token from its file.
#include "clients/complaints/complaint_client.h"

#include <gtest/gtest.h>

#include <fstream>

#include "qms/complaints/v1/complaints.grpc.pb.h"
#include "services/complaints/wiring.h"
#include "tests/support/in_process_service.h"
#include "tests/support/tokens.h"

namespace qms::clients {
namespace {

namespace cv1 = complaints::v1;

class ComplaintClientTest : public ::testing::Test {
 protected:
  void SetUp() override { ASSERT_TRUE(service_.Start().ok()); }

  ComplaintClient Client(const std::string& token_file) const {
    PeerOptions options;
    options.target = service_.address();
    options.token_file = token_file;
    return ComplaintClient(options);
  }

  cv1::Complaint Create(const std::string& plant, const std::string& customer) {
    auto stub = service_.Stub<cv1::ComplaintService>();
    grpc::ClientContext context;
    testing::Authorize(context);
    cv1::CreateComplaintRequest r;
    r.set_parent("plants/" + plant);
    r.mutable_complaint()->set_customer(customer);
    r.mutable_complaint()->set_part_number("PN-7");
    r.mutable_complaint()->set_defect_description("crack at the flange");
    r.mutable_complaint()->set_channel(cv1::EMAIL);
    r.mutable_complaint()->set_goods_returned(true);
    cv1::Complaint created;
    const grpc::Status status = stub->CreateComplaint(&context, r, &created);
    EXPECT_TRUE(status.ok()) << status.error_message();
    return created;
  }

  testing::InProcessService service_{complaints::Service()};
};

TEST_F(ComplaintClientTest, GetsAComplaintAsItsServiceHasIt) {
  const cv1::Complaint created = Create("SZ1", "ACME");
  absl::StatusOr<ComplaintRef> found =
      Client(testing::ServiceTokenFile()).Get("SZ1", created.number());
  ASSERT_TRUE(found.ok()) << found.status();
  EXPECT_EQ(found->name, created.name());
  EXPECT_EQ(found->plant, "SZ1");
  EXPECT_EQ(found->number, created.number());
  EXPECT_EQ(found->customer, "ACME");
  EXPECT_EQ(found->part_number, "PN-7");
  EXPECT_EQ(found->status, "RECEIVED");
}

TEST_F(ComplaintClientTest, AComplaintOfAnotherPlantOrNumberIsNotFound) {
  const cv1::Complaint created = Create("SZ1", "ACME");
  const ComplaintClient client = Client(testing::ServiceTokenFile());
  EXPECT_EQ(client.Get("BER", created.number()).status().code(), absl::StatusCode::kNotFound);
  EXPECT_EQ(client.Get("SZ1", "SZ1-2020-99999").status().code(), absl::StatusCode::kNotFound);
}

TEST_F(ComplaintClientTest, WithoutItsTokenTheCalleeRefuses) {
  const cv1::Complaint created = Create("SZ1", "ACME");
  EXPECT_EQ(Client("").Get("SZ1", created.number()).status().code(),
            absl::StatusCode::kUnauthenticated);
  const std::string other = ::testing::TempDir() + "/visitor.token";
  std::ofstream(other) << testing::TestToken("visitor", {"visitor"});
  EXPECT_EQ(Client(other).Get("SZ1", created.number()).status().code(),
            absl::StatusCode::kPermissionDenied);
}

}  // namespace
}  // namespace qms::clients
