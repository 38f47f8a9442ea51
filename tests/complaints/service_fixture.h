// The complaints service as its binary wires it, in process (tests/support/in_process_service.h),
// with stubs and the helpers its handler tests share.
#ifndef QMS_TESTS_COMPLAINTS_SERVICE_FIXTURE_H_
#define QMS_TESTS_COMPLAINTS_SERVICE_FIXTURE_H_

#include <grpcpp/grpcpp.h>
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "absl/strings/str_split.h"
#include "qms/complaints/v1/audit_findings.grpc.pb.h"
#include "qms/complaints/v1/complaints.grpc.pb.h"
#include "services/complaints/wiring.h"
#include "tests/support/in_process_service.h"
#include "tests/support/rich_error.h"
#include "tests/support/test_database.h"
#include "tests/support/tokens.h"

namespace qms::complaints {

inline v1::Complaint ValidComplaint() {
  v1::Complaint c;
  c.set_customer("ACME");
  c.set_part_number("PN-100");
  c.set_defect_description("scratches on housing");
  c.set_quantity_delivered(500);
  c.set_quantity_defective(20);
  c.set_channel(v1::EMAIL);
  return c;
}

using testing::ViolatedFields;

class ComplaintServiceTest : public ::testing::Test {
 protected:
  // `plants` stands for the plants file (default: every plant in UTC).
  explicit ComplaintServiceTest(PlantCalendars plants = PlantCalendars())
      : service_(Service(), std::move(plants)) {}

  void SetUp() override {
    ASSERT_TRUE(service_.Start().ok());
    stub_ = service_.Stub<v1::ComplaintService>();
    findings_stub_ = service_.Stub<v1::AuditFindingService>();
  }

  grpc::Status Create(const v1::CreateComplaintRequest& request, v1::Complaint* out) {
    grpc::ClientContext context;
    testing::Authorize(context);
    return stub_->CreateComplaint(&context, request, out);
  }
  grpc::Status List(const v1::ListComplaintsRequest& request, v1::ListComplaintsResponse* out) {
    grpc::ClientContext context;
    testing::Authorize(context);
    return stub_->ListComplaints(&context, request, out);
  }
  grpc::Status Get(const std::string& name, v1::Complaint* out) {
    grpc::ClientContext context;
    testing::Authorize(context);
    v1::GetComplaintRequest request;
    request.set_name(name);
    return stub_->GetComplaint(&context, request, out);
  }

  // Calls a ComplaintService method as `subject` with comma-separated `roles`.
  template <typename Request, typename Response>
  grpc::Status As(const std::string& subject, const std::string& roles,
                  grpc::Status (v1::ComplaintService::Stub::*method)(grpc::ClientContext*,
                                                                     const Request&, Response*),
                  const Request& request, Response* response) {
    grpc::ClientContext context;
    testing::Authorize(context, testing::TestToken(subject, absl::StrSplit(roles, ',')));
    return (stub_.get()->*method)(&context, request, response);
  }

  // The outbox as "kind policy subject" lines, oldest first.
  std::vector<std::string> Outbox() {
    return db_.Rows("SELECT kind, policy, subject FROM outbox ORDER BY id");
  }

  testing::InProcessService service_;
  testing::TestDatabase& db_ = service_.db();
  std::unique_ptr<v1::AuditFindingService::Stub> findings_stub_;
  std::unique_ptr<v1::ComplaintService::Stub> stub_;
};

}  // namespace qms::complaints

#endif  // QMS_TESTS_COMPLAINTS_SERVICE_FIXTURE_H_
