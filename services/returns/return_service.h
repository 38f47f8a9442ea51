// The ReturnService RPC handlers: the caller and plant first (common/server/handler.h), then the
// conversion, then the store. The complaint a return names is checked over gRPC here, through the
// typed complaints client, before the store registers it.
#ifndef QMS_SERVICES_RETURNS_RETURN_SERVICE_H_
#define QMS_SERVICES_RETURNS_RETURN_SERVICE_H_

#include <memory>

#include "clients/complaints/complaint_client.h"
#include "common/server/service_runner.h"
#include "qms/returns/v1/returns.grpc.pb.h"
#include "services/returns/return_store.h"

namespace qms::returns {

// Method -> roles.
server::AccessTable ReturnAccess();

class ReturnServiceImpl final : public v1::ReturnService::Service {
 public:
  // `complaints` may be null: then only bulk returns can be registered.
  ReturnServiceImpl(ReturnStore& store, std::shared_ptr<const clients::ComplaintClient> complaints);

  grpc::Status CreateReturn(grpc::ServerContext* context, const v1::CreateReturnRequest* request,
                            v1::Return* response) override;
  grpc::Status GetReturn(grpc::ServerContext* context, const v1::GetReturnRequest* request,
                         v1::Return* response) override;
  grpc::Status ListReturns(grpc::ServerContext* context, const v1::ListReturnsRequest* request,
                           v1::ListReturnsResponse* response) override;
  grpc::Status ListReturnHistory(grpc::ServerContext* context,
                                 const v1::ListReturnHistoryRequest* request,
                                 v1::ListReturnHistoryResponse* response) override;
  grpc::Status RecordReceipt(grpc::ServerContext* context, const v1::RecordReceiptRequest* request,
                             v1::Return* response) override;
  grpc::Status ConfirmQuality(grpc::ServerContext* context,
                              const v1::ConfirmQualityRequest* request,
                              v1::Return* response) override;
  grpc::Status ExplainToCustomer(grpc::ServerContext* context,
                                 const v1::ExplainToCustomerRequest* request,
                                 v1::Return* response) override;
  grpc::Status DisposeLine(grpc::ServerContext* context, const v1::DisposeLineRequest* request,
                           v1::Return* response) override;
  grpc::Status IssueReworkOrder(grpc::ServerContext* context,
                                const v1::IssueReworkOrderRequest* request,
                                v1::Return* response) override;
  grpc::Status RecordReworkProgress(grpc::ServerContext* context,
                                    const v1::RecordReworkProgressRequest* request,
                                    v1::Return* response) override;
  grpc::Status CloseReworkOrder(grpc::ServerContext* context,
                                const v1::CloseReworkOrderRequest* request,
                                v1::Return* response) override;
  grpc::Status RequestUrgentProduction(grpc::ServerContext* context,
                                       const v1::RequestUrgentProductionRequest* request,
                                       v1::Return* response) override;
  grpc::Status ScheduleUrgentProduction(grpc::ServerContext* context,
                                        const v1::ScheduleUrgentProductionRequest* request,
                                        v1::Return* response) override;
  grpc::Status RecordAnalysis(grpc::ServerContext* context,
                              const v1::RecordAnalysisRequest* request,
                              v1::Return* response) override;
  grpc::Status ArchiveAnalysis(grpc::ServerContext* context,
                               const v1::ArchiveAnalysisRequest* request,
                               v1::Return* response) override;
  grpc::Status CloseReturn(grpc::ServerContext* context, const v1::CloseReturnRequest* request,
                           v1::Return* response) override;
  grpc::Status GetReturnStatistics(grpc::ServerContext* context,
                                   const v1::GetReturnStatisticsRequest* request,
                                   v1::GetReturnStatisticsResponse* response) override;
  grpc::Status GetReturnDocument(grpc::ServerContext* context,
                                 const v1::GetReturnDocumentRequest* request,
                                 v1::ReturnDocument* response) override;

 private:
  // The step of a request, on the return it names.
  template <class Request>
  grpc::Status Step(grpc::ServerContext* context, const Request& request, v1::Return* response);
  // The complaint a new return names exists in its plant for its customer.
  absl::Status CheckComplaint(const Return& draft) const;

  ReturnStore& store_;
  const std::shared_ptr<const clients::ComplaintClient> complaints_;
};

}  // namespace qms::returns

#endif  // QMS_SERVICES_RETURNS_RETURN_SERVICE_H_
