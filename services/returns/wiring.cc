#include "services/returns/wiring.h"

#include "clients/complaints/return_outbox.h"
#include "clients/notifications/timer_outbox.h"
#include "services/returns/migrations.h"
#include "services/returns/return_service.h"

namespace qms::returns {
namespace {

absl::Status Wire(ServiceContext& s) {
  auto& metrics = s.Make<server::RecordMetrics>(s.registry(), "return");
  auto& store = s.Make<ReturnStore>(
      s.pool(), s.plants(), [&metrics](const std::string& step) { metrics.CountStep(step); });
  CountRecords(s, metrics, [&store] { return store.Count(); });
  std::vector<outbox::Receiver> receivers;
  if (auto timers = clients::TimerReceiver(s)) receivers.push_back(*std::move(timers));
  std::shared_ptr<const clients::ComplaintClient> complaints;
  if (auto peer = clients::ComplaintsPeer()) {
    complaints = std::make_shared<const clients::ComplaintClient>(*peer);
    receivers.push_back(clients::RecordReturnReceiver(*peer));
  }
  s.Serve(s.Make<ReturnServiceImpl>(store, complaints), v1::ReturnService::service_full_name(),
          ReturnAccess());
  clients::RelayOutbox(s, std::move(receivers));
  return absl::OkStatus();
}

}  // namespace

const ServiceSpec& Service() {
  static const ServiceSpec spec{"returns", "returns: customer returns and rework", &Migrations(),
                                Wire};
  return spec;
}

}  // namespace qms::returns
