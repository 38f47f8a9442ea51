// What every RPC handler does before and around its use case, in one place:
//
//   grpc::Status ReturnServiceImpl::GetReturn(grpc::ServerContext* context,
//                                            const v1::GetReturnRequest* request,
//                                            v1::Return* response) {
//     return server::Handle(context, [&](const server::Caller& caller) -> absl::Status {
//       QMS_ASSIGN_OR_RETURN(const server::PlantResource r,
//                            server::AllowedResource(caller, "name", request->name(), "returns"));
//       QMS_ASSIGN_OR_RETURN(const Return found, store_.Get(r.plant, r.id));
//       ReturnToProto(found, response);
//       return absl::OkStatus();
//     });
//   }
//
// Handle takes the caller as the auth interceptor decided it (UNAUTHENTICATED / PERMISSION_DENIED)
// and maps the body's absl::Status to grpc::Status (field violations as google.rpc.BadRequest).
// The plant a request names is checked before anything else is validated or read.
#ifndef QMS_COMMON_SERVER_HANDLER_H_
#define QMS_COMMON_SERVER_HANDLER_H_

#include <grpcpp/server_context.h>
#include <grpcpp/support/status.h>

#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "common/field_violations.h"
#include "common/server/caller.h"
#include "common/server/grpc_status.h"
#include "common/status_macros.h"

namespace qms::server {

template <class Body>
grpc::Status Handle(const grpc::ServerContext* context, Body&& body) {
  absl::StatusOr<Caller> caller = CallerOf(*context);
  if (!caller.ok()) return ToGrpcStatus(caller.status());
  return ToGrpcStatus(body(*caller));
}

// A resource of one plant, as its name "plants/{plant}/{collection}/{id}" gives it.
struct PlantResource {
  std::string plant;
  std::string id;
};

// Checks that the caller may act in the plant `name` starts with (PERMISSION_DENIED, before the
// rest of the name is looked at), then parses it (INVALID_ARGUMENT naming `field`).
absl::StatusOr<PlantResource> AllowedResource(const Caller& caller, absl::string_view field,
                                              absl::string_view name, absl::string_view collection);

inline constexpr int kDefaultPageSize = 50;
inline constexpr int kMaxPageSize = 500;
// The page size a list asks for: 0 means the default; outside 0..kMaxPageSize is a violation of
// "page_size".
int PageSize(FieldViolations& violations, int requested);

// An etag as this API gives them (a version number; empty: no check), or INVALID_ARGUMENT etag.
absl::Status CheckEtag(absl::string_view etag);

// A page of one record's rows (its history ...), the whole handler: the plant of the record the
// request names checked, the page size, then `read(plant, id, page_size, page_token)` returning
// a page with `entries` and `next_page_token`, each entry converted by `to_proto(entry,
// response->add_entries())`.
template <class Request, class Response, class Read, class ToProto>
grpc::Status ListOfRecord(const grpc::ServerContext* context, const Request& request,
                          absl::string_view collection, Response* response, Read read,
                          ToProto to_proto) {
  return Handle(context, [&](const Caller& caller) -> absl::Status {
    QMS_ASSIGN_OR_RETURN(const PlantResource r,
                         AllowedResource(caller, "name", request.name(), collection));
    FieldViolations v;
    const int page_size = PageSize(v, request.page_size());
    QMS_RETURN_IF_ERROR(v.ToStatus());
    QMS_ASSIGN_OR_RETURN(const auto page, read(r.plant, r.id, page_size, request.page_token()));
    for (const auto& e : page.entries) to_proto(e, response->add_entries());
    response->set_next_page_token(page.next_page_token);
    return absl::OkStatus();
  });
}

// Every role that may read a plant's records (auth::kReaders), for access tables.
std::vector<std::string> Readers();

}  // namespace qms::server

#endif  // QMS_COMMON_SERVER_HANDLER_H_
