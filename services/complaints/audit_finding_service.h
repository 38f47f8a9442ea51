// The gRPC face of customer audit findings (2485 rule): conversion and delegation only.
#ifndef QMS_SERVICES_COMPLAINTS_AUDIT_FINDING_SERVICE_H_
#define QMS_SERVICES_COMPLAINTS_AUDIT_FINDING_SERVICE_H_

#include <functional>

#include "common/server/caller.h"
#include "qms/complaints/v1/audit_findings.grpc.pb.h"
#include "services/complaints/audit_finding_store.h"

namespace qms::complaints {

// Who may call each method (roles from common/auth/roles.h).
server::AccessTable AuditFindingAccess();

class AuditFindingServiceImpl final : public v1::AuditFindingService::Service {
 public:
  AuditFindingServiceImpl(AuditFindingStore& store,
                          std::function<absl::TimeZone(absl::string_view)> zone_of);

  grpc::Status CreateAuditFinding(grpc::ServerContext*, const v1::CreateAuditFindingRequest*,
                                  v1::AuditFinding*) override;
  grpc::Status GetAuditFinding(grpc::ServerContext*, const v1::GetAuditFindingRequest*,
                               v1::AuditFinding*) override;
  grpc::Status ListAuditFindings(grpc::ServerContext*, const v1::ListAuditFindingsRequest*,
                                 v1::ListAuditFindingsResponse*) override;
  grpc::Status SubmitAuditCountermeasure(grpc::ServerContext*,
                                         const v1::SubmitAuditCountermeasureRequest*,
                                         v1::AuditFinding*) override;
  grpc::Status SubmitAuditAnalysis(grpc::ServerContext*, const v1::SubmitAuditAnalysisRequest*,
                                   v1::AuditFinding*) override;
  grpc::Status CloseAuditFinding(grpc::ServerContext*, const v1::CloseAuditFindingRequest*,
                                 v1::AuditFinding*) override;
  grpc::Status GetAuditSummary(grpc::ServerContext*, const v1::GetAuditSummaryRequest*,
                               v1::GetAuditSummaryResponse*) override;

 private:
  grpc::Status Move(grpc::ServerContext* context, const std::string& name, const std::string& etag,
                    const AuditFindingStore::Move& move, v1::AuditFinding* response);

  AuditFindingStore& store_;
  std::function<absl::TimeZone(absl::string_view)> zone_of_;
};

}  // namespace qms::complaints

#endif  // QMS_SERVICES_COMPLAINTS_AUDIT_FINDING_SERVICE_H_
