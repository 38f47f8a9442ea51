#include "services/complaints/wiring.h"

#include <prometheus/family.h>
#include <prometheus/histogram.h>

#include <algorithm>

#include "absl/flags/flag.h"
#include "clients/notifications/timer_outbox.h"
#include "services/complaints/audit_finding_service.h"
#include "services/complaints/complaint_service.h"
#include "services/complaints/migrations.h"

ABSL_FLAG(int32_t, serious_window_months, 12, "How far back the serious-complaint rules count");
ABSL_FLAG(int32_t, serious_same_defect_customers, 2,
          "Customers reporting the same part and defect code that make a complaint serious");
ABSL_FLAG(int32_t, serious_repeat_complaints, 3,
          "Complaints of one customer that make a complaint serious");
ABSL_FLAG(int32_t, create_batch_max, 32,
          "Most concurrent creates of one plant committed in one transaction (1: one each)");

namespace qms::complaints {
namespace {

absl::Status Wire(ServiceContext& s) {
  StoreOptions options;
  options.plants = s.plants();
  options.serious.window_months = absl::GetFlag(FLAGS_serious_window_months);
  options.serious.same_defect_customers = absl::GetFlag(FLAGS_serious_same_defect_customers);
  options.serious.complaints_by_customer = absl::GetFlag(FLAGS_serious_repeat_complaints);
  options.create_batch_max =
      static_cast<size_t>(std::max(1, absl::GetFlag(FLAGS_create_batch_max)));
  // How many creates each create transaction held: group commit at work (1 = no batching).
  auto& batch_sizes = prometheus::BuildHistogram()
                          .Name("qms_complaint_create_batch_size")
                          .Help("Creates committed per create transaction (group commit)")
                          .Register(s.registry())
                          .Add({}, prometheus::Histogram::BucketBoundaries{1, 2, 4, 8, 16, 32, 64});
  options.on_create_commit = [&batch_sizes](size_t n) {
    batch_sizes.Observe(static_cast<double>(n));
  };

  auto& records = s.Make<server::RecordMetrics>(s.registry(), "complaint");
  options.on_step = [&records](const std::string& step) { records.CountStep(step); };
  auto& store = s.Make<ComplaintStore>(s.pool(), options);
  CountRecords(s, records, [&store] { return store.Count(); });
  s.Serve(s.Make<ComplaintServiceImpl>(store), v1::ComplaintService::service_full_name(),
          ComplaintAccess());
  auto& findings = s.Make<AuditFindingStore>(s.pool());
  s.Serve(s.Make<AuditFindingServiceImpl>(
              findings, [plants = s.plants()](absl::string_view p) { return plants->Zone(p); }),
          v1::AuditFindingService::service_full_name(), AuditFindingAccess());
  return clients::RelayTimerOutbox(s);
}

}  // namespace

const ServiceSpec& Service() {
  static const ServiceSpec spec{"complaints", "complaints: customer complaint (8D) service",
                                &Migrations(), Wire};
  return spec;
}

}  // namespace qms::complaints
