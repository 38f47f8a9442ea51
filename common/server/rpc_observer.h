// Observes every RPC a server handles: Prometheus metrics with the conventional names of
// go-grpc-prometheus, and one log line per RPC.
//
//   grpc_server_started_total{grpc_type,grpc_service,grpc_method}
//   grpc_server_handled_total{grpc_type,grpc_service,grpc_method,grpc_code}
//   grpc_server_handling_seconds{grpc_type,grpc_service,grpc_method}   (histogram)
#ifndef QMS_COMMON_SERVER_RPC_OBSERVER_H_
#define QMS_COMMON_SERVER_RPC_OBSERVER_H_

#include <grpcpp/support/server_interceptor.h>

#include <memory>

#include "prometheus/counter.h"
#include "prometheus/family.h"
#include "prometheus/histogram.h"
#include "prometheus/registry.h"

namespace qms::server {

class RpcObserverFactory : public grpc::experimental::ServerInterceptorFactoryInterface {
 public:
  explicit RpcObserverFactory(prometheus::Registry& registry);

  grpc::experimental::Interceptor* CreateServerInterceptor(
      grpc::experimental::ServerRpcInfo* info) override;

  prometheus::Family<prometheus::Counter>& started() { return started_; }
  prometheus::Family<prometheus::Counter>& handled() { return handled_; }
  prometheus::Family<prometheus::Histogram>& handling_seconds() { return handling_seconds_; }

 private:
  prometheus::Family<prometheus::Counter>& started_;
  prometheus::Family<prometheus::Counter>& handled_;
  prometheus::Family<prometheus::Histogram>& handling_seconds_;
};

}  // namespace qms::server

#endif  // QMS_COMMON_SERVER_RPC_OBSERVER_H_
