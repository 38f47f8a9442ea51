// An in-process complaints server on a real gRPC server and a real MariaDB, for handler tests.
#ifndef QMS_TESTS_COMPLAINTS_SERVICE_FIXTURE_H_
#define QMS_TESTS_COMPLAINTS_SERVICE_FIXTURE_H_

#include <grpcpp/grpcpp.h>
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "common/db/migrator.h"
#include "common/server/service_runner.h"
#include "services/complaints/audit_finding_service.h"
#include "services/complaints/complaint_service.h"
#include "services/complaints/migrations.h"
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
  void SetUp() override {
    pool_ = std::make_unique<db::ConnectionPool>(db_.options());
    ASSERT_TRUE(db::Migrate(*pool_, Migrations()).ok());
    store_ = std::make_unique<ComplaintStore>(*pool_, StoreOptions{});
    service_ = std::make_unique<ComplaintServiceImpl>(*store_);
    finding_store_ = std::make_unique<AuditFindingStore>(*pool_);
    findings_ = std::make_unique<AuditFindingServiceImpl>(
        *finding_store_, [](absl::string_view) { return absl::UTCTimeZone(); });
    server::ServerOptions options;
    options.listen = "127.0.0.1:0";
    options.metrics_listen = "";
    options.plaintext = true;
    options.auth = testing::TestVerifierOptions();
    runner_ = std::make_unique<server::ServiceRunner>("complaints", options);
    runner_->AddService(service_.get(), v1::ComplaintService::service_full_name(),
                        ComplaintAccess());
    runner_->AddService(findings_.get(), v1::AuditFindingService::service_full_name(),
                        AuditFindingAccess());
    ASSERT_TRUE(runner_->Start().ok());
    auto channel = grpc::CreateChannel(absl::StrCat("127.0.0.1:", runner_->grpc_port()),
                                       grpc::InsecureChannelCredentials());
    stub_ = v1::ComplaintService::NewStub(channel);
    findings_stub_ = v1::AuditFindingService::NewStub(channel);
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

  testing::TestDatabase db_;
  std::unique_ptr<db::ConnectionPool> pool_;
  std::unique_ptr<ComplaintStore> store_;
  std::unique_ptr<ComplaintServiceImpl> service_;
  std::unique_ptr<AuditFindingStore> finding_store_;
  std::unique_ptr<AuditFindingServiceImpl> findings_;
  std::unique_ptr<server::ServiceRunner> runner_;
  std::unique_ptr<v1::AuditFindingService::Stub> findings_stub_;
  std::unique_ptr<v1::ComplaintService::Stub> stub_;
};

}  // namespace qms::complaints

#endif  // QMS_TESTS_COMPLAINTS_SERVICE_FIXTURE_H_
