// `qms demo`: fills a stack with a realistic month of two plants through the public API only, as
// the plant's people and systems would: complaints walked to every state of the 8D (serious ones,
// a rejection, a reopen chain), customer audit findings (late ones on the blacklist), returns
// from receipt to closure; and, each run, a complaint whose 24 h containment breaches a few
// minutes later, for `qms watch`.
//
// Which month: the most recent calendar month (UTC) before this one that the demo has not filled
// yet, so every run adds an older month. Every record of a month has a request id and content
// fixed by (plant, month, index): a run re-creates them idempotently (the service answers the
// record it already has) and walks each to its planned state from wherever it stands, so a
// month that is complete is recognised by nothing changing, an interrupted one is finished, and
// nothing is ever duplicated.
//
// The API records when a step happens, not when someone says it did: the steps of a month in
// the past are taken now, so its containments and closures count as late and its timers fire at
// once — the breaches the dashboards then show are what such a month would have produced.
#include "tools/cli/demo.h"

#include <iostream>
#include <map>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "absl/time/civil_time.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"

namespace qms::cli {
namespace {

struct PlantData {
  const char* code;
  int work_start_utc;  // hour (UTC) the plant's morning shift starts
  std::vector<std::string> customers;
  std::vector<std::string> contacts;
  std::vector<std::string> parts;
};

const std::vector<PlantData>& Plants() {
  static const auto* plants = new std::vector<PlantData>{
      {"SZ1",
       1,  // 09:00 Asia/Shanghai
       {"Bosch Suzhou", "BYD Auto", "Continental Wuhu", "Valeo Shenzhen"},
       {"Zhang Wei", "Li Na", "Wang Fang", "Chen Jie"},
       {"HSG-2231", "FLG-118", "BRK-5507", "CON-0942"}},
      {"BER",
       7,  // 08:00 Europe/Berlin
       {"Volkswagen Wolfsburg", "BMW Dingolfing", "ZF Friedrichshafen", "Schaeffler"},
       {"Jonas Weber", "Anna Schmidt", "Lukas Becker", "Marie Hoffmann"},
       {"GEH-4471", "FLA-2208", "HAL-3310", "STE-0815"}},
  };
  return *plants;
}

struct Defect {
  const char* code;
  const char* description;
  const char* root_cause;
  const char* category;
};

constexpr Defect kDefects[] = {
    {"SCR", "scratches on the housing surface", "worn fixture pads scratch the housing", "MACHINE"},
    {"BUR", "burr on the flange edge", "deburring step skipped after a tool change", "METHOD"},
    {"DIM", "bore diameter out of tolerance", "gauge not recalibrated after repair", "MEASUREMENT"},
    {"MIX", "mixed part revisions in one box", "old-revision stock not blocked", "MAN"},
    {"LBL", "wrong label on the carton", "label template not updated", "METHOD"},
    {"CRK", "crack at the weld seam", "supplier coil with low ductility", "MATERIAL"},
    {"COR", "corrosion spots after transport", "no VCI film in humid season", "ENVIRONMENT"},
};

// The state each of a month's complaints is walked to, by index. Index 2 is reopened and its
// continuation contained; index 6 has its actions rejected.
constexpr const char* kTargets[] = {"CLOSED",           "CLOSED",           "REOPENED",
                                    "CLOSED",           "REPLIED",          "APPROVED",
                                    "ACTIONS_REJECTED", "ACTIONS_PROPOSED", "ROOT_CAUSE_IDENTIFIED",
                                    "CONTAINED",        "TRIAGED",          "RECEIVED"};
constexpr int kComplaints = sizeof(kTargets) / sizeof(kTargets[0]);
// Customers by index: the first complains often (serious from its third), two share a defect.
constexpr int kCustomerOf[kComplaints] = {0, 1, 0, 2, 1, 0, 3, 1, 0, 2, 3, 0};
constexpr int kDefectOf[kComplaints] = {0, 1, 2, 3, 4, 0, 5, 1, 6, 4, 2, 3};
// The complaint whose goods come back (a return for it).
constexpr int kReturned = 1;

std::string Rfc3339(absl::Time t) {
  return absl::FormatTime(absl::RFC3339_sec, t, absl::UTCTimeZone());
}

std::string DateIn(int days) {
  return absl::FormatCivilTime(absl::ToCivilDay(absl::Now(), absl::UTCTimeZone()) + days);
}

Json Action(const std::string& what, const std::string& department, const std::string& owner,
            int due_in_days) {
  return {{"description", what},
          {"responsibleDepartment", department},
          {"owner", owner},
          {"dueDate", DateIn(due_in_days)}};
}

class Demo {
 public:
  Demo(Client& client, absl::Time run_start) : client_(client), run_start_(run_start) {}

  // Fills `month` of every plant; true when anything was created or advanced.
  bool Month(absl::CivilMonth month) {
    const int before = changes_;
    for (const PlantData& plant : Plants()) {
      for (int i = 0; i < kComplaints; ++i) Complaint(plant, month, i);
      for (int i = 0; i < 2; ++i) Finding(plant, month, i);
      BulkReturn(plant, month);
    }
    return changes_ > before;
  }

  // First, this run's own records: per plant a complaint received almost 24 h ago, triaged but not
  // contained (its containment breaches in a few minutes), and two findings raised today, one
  // closed on time.
  void Live() {
    const std::string run = absl::StrCat(absl::ToUnixMicros(run_start_));
    for (const PlantData& plant : Plants()) {
      const std::string parent = absl::StrCat("plants/", plant.code);
      Json live = ComplaintContent(plant, 1, 0);
      live["receivedTime"] = Rfc3339(run_start_ - absl::Hours(24) + absl::Minutes(3));
      live["customerProductionAffected"] = true;
      Json c = Create("complaints", "CreateComplaint",
                      {{"parent", parent},
                       {"requestId", absl::StrCat("demo-live-", plant.code, "-", run)},
                       {"complaint", live}});
      // The service's clock when this run began: records made before it are a past run's.
      if (server_start_ == absl::InfinitePast()) server_start_ = TimeOf(c, "createTime");
      c = WalkComplaint(c, "TRIAGED");
      live_.push_back(c.value("number", ""));
      for (int i = 0; i < 2; ++i) {
        Json f = Create("complaints", "CreateAuditFinding",
                        {{"parent", parent},
                         {"requestId", absl::StrCat("demo-live-", plant.code, "-", run, "-f", i)},
                         {"finding", FindingContent(plant, i, run_start_ - absl::Hours(2 - i))}});
        WalkFinding(f, i == 0 ? "FINDING_CLOSED" : "FINDING_OPEN");
      }
    }
  }

  int created() const { return created_; }
  int changes() const { return changes_; }
  const std::vector<std::string>& live() const { return live_; }

 private:
  // Creates idempotently; counts the record when this call made it.
  Json Create(const std::string& service, const std::string& method, const Json& request) {
    Json record = client_.Call(service, method, request);
    if (TimeOf(record, "createTime") >= server_start_) {
      ++created_;
      ++changes_;
    }
    return record;
  }

  static absl::Time TimeOf(const Json& record, const char* field) {
    absl::Time t = absl::InfinitePast();
    std::string error;
    (void)absl::ParseTime(absl::RFC3339_full, record.value(field, ""), &t, &error);
    return t;
  }

  Json Step(const std::string& service, const std::string& method, Json request) {
    ++changes_;
    return client_.Call(service, method, request);
  }

  static Json ComplaintContent(const PlantData& plant, int customer, int defect_index) {
    const Defect& d = kDefects[defect_index];
    const std::string part = plant.parts[defect_index % plant.parts.size()];
    return {{"customer", plant.customers[customer]},
            {"customerContact", plant.contacts[customer]},
            {"partNumber", part},
            {"orderNumber", absl::StrCat("SO-", plant.code, "-", 4100 + defect_index * 7)},
            {"lotNumber", absl::StrCat("L", 2300 + defect_index * 13)},
            {"quantityDelivered", 2000 + 500 * defect_index},
            {"quantityDefective", 12 + 9 * defect_index},
            {"defectCode", d.code},
            {"defectDescription", d.description},
            {"channel", defect_index % 2 == 0 ? "EMAIL" : "PHONE"}};
  }

  void Complaint(const PlantData& plant, absl::CivilMonth month, int i) {
    Json content = ComplaintContent(plant, kCustomerOf[i], kDefectOf[i]);
    const absl::Time received = absl::FromCivil(
        absl::CivilHour(absl::CivilDay(month) + 1 + 2 * i) + plant.work_start_utc + i % 6,
        absl::UTCTimeZone());
    content["receivedTime"] = Rfc3339(received);
    if (i == kReturned) content["goodsReturned"] = true;
    const Json created =
        Create("complaints", "CreateComplaint",
               {{"parent", absl::StrCat("plants/", plant.code)},
                {"requestId",
                 absl::StrFormat("demo-%s-%s-c%02d", absl::FormatCivilTime(month), plant.code, i)},
                {"complaint", content}});
    const Json walked = WalkComplaint(created, kTargets[i]);
    if (std::string(kTargets[i]) == "REOPENED") {
      WalkComplaint(client_.Call("complaints", "GetComplaint", {{"name", walked["reopenedAs"]}}),
                    "CONTAINED");
    }
    if (i == kReturned) ComplaintReturn(plant, month, walked);
  }

  // The steps from the complaint's state to `target`, as the plant's people take them.
  Json WalkComplaint(Json c, const std::string& target) {
    const std::string defect = c.value("defectCode", "");
    const Defect* d = &kDefects[0];
    for (const Defect& candidate : kDefects) {
      if (defect == candidate.code) d = &candidate;
    }
    for (int guard = 0; guard < 12; ++guard) {
      const std::string state = c.value("status", "");
      if (state == target || state == "CLOSED" || state == "REOPENED") return c;
      const Json name = c["name"];
      if (state == "RECEIVED") {
        c = Step("complaints", "TriageComplaint",
                 {{"name", name},
                  {"triage",
                   {{"responsibleDepartment", "Production"},
                    {"severity", defect == "CRK" || defect == "MIX" ? "CRITICAL" : "MAJOR"},
                    {"meetingNotes", "complaint meeting held with sales, quality and production"},
                    {"team",
                     {{{"name", "Liu Yang"}, {"department", "Quality"}, {"role", "8D leader"}},
                      {{"name", "Zhao Lei"}, {"department", "Production"}, {"role", "member"}}}},
                    {"problem",
                     {{"what", c.value("defectDescription", "")},
                      {"where", "at the customer's incoming inspection"},
                      {"howMany", absl::StrCat(c.value("quantityDefective", "0"), " pcs")}}}}}});
      } else if (state == "TRIAGED") {
        c = Step("complaints", "SubmitContainment",
                 {{"name", name},
                  {"containment",
                   {{"actions",
                     {Action("sort all stock at site and in transit", "Quality", "Liu Yang", 2)}},
                    {"quantityQuarantinedAtSite", 1200},
                    {"quantitySortedAtSite", 1200},
                    {"quantityInTransit", 400}}}});
      } else if (state == "CONTAINED") {
        c = Step("complaints", "SubmitRootCause",
                 {{"name", name},
                  {"rootCause",
                   {{"whyOccurred", {d->root_cause}},
                    {"whyNotDetected", {"no check for this characteristic at final inspection"}},
                    {"whyNotPrevented", {"the risk was not in the PFMEA"}},
                    {"category", d->category},
                    {"summary", d->root_cause}}}});
      } else if (state == "ROOT_CAUSE_IDENTIFIED" || state == "ACTIONS_REJECTED") {
        c = Step("complaints", "SubmitActions",
                 {{"name", name},
                  {"correctiveActions",
                   {Action("remove the cause at the station", "Production", "Zhao Lei", 7)}},
                  {"preventiveActions",
                   {Action("add the characteristic to the PFMEA and control plan", "Engineering",
                           "Sun Hao", 21)}}});
      } else if (state == "ACTIONS_PROPOSED") {
        const bool reject = target == "ACTIONS_REJECTED";
        c = Step("complaints", reject ? "RejectActions" : "ApproveActions",
                 {{"name", name},
                  {"comments",
                   reject ? "the preventive action does not reach the other lines" : "agreed"}});
      } else if (state == "APPROVED") {
        c = Step("complaints", "ReplyToCustomer",
                 {{"name", name},
                  {"text", "8D report attached: cause removed, stock sorted, PFMEA updated"},
                  {"improvementDate", DateIn(30)}});
      } else if (state == "REPLIED") {
        c = target == "REOPENED"
                ? Step("complaints", "ReopenComplaint",
                       {{"name", name}, {"reason", "the customer found the defect again"}})
                : Step("complaints", "VerifyEffectiveness",
                       {{"name", name},
                        {"effective", true},
                        {"notes", "three lots delivered without the defect"}});
        if (target == "REOPENED") {
          return client_.Call("complaints", "GetComplaint", {{"name", c["reopenedFrom"]}});
        }
      } else {
        return c;
      }
    }
    return c;
  }

  static Json FindingContent(const PlantData& plant, int i, absl::Time raised) {
    static const char* const kAreas[] = {"incoming inspection", "welding cell 3",
                                         "final packaging"};
    static const char* const kWhat[] = {"gauge calibration records incomplete",
                                        "work instruction not at the station",
                                        "nonconforming parts not segregated"};
    return {{"customer", plant.customers[i % plant.customers.size()]},
            {"auditedArea", kAreas[i % 3]},
            {"finding", kWhat[i % 3]},
            {"owner", plant.contacts[(i + 1) % plant.contacts.size()]},
            {"raisedTime", Rfc3339(raised)}};
  }

  void Finding(const PlantData& plant, absl::CivilMonth month, int i) {
    const absl::Time raised = absl::FromCivil(
        absl::CivilHour(absl::CivilDay(month) + 8 + 10 * i) + plant.work_start_utc + 2,
        absl::UTCTimeZone());
    const Json f =
        Create("complaints", "CreateAuditFinding",
               {{"parent", absl::StrCat("plants/", plant.code)},
                {"requestId",
                 absl::StrFormat("demo-%s-%s-f%d", absl::FormatCivilTime(month), plant.code, i)},
                {"finding", FindingContent(plant, i, raised)}});
    WalkFinding(f, i == 0 ? "FINDING_CLOSED" : "FINDING_CONTAINED");
  }

  void WalkFinding(Json f, const std::string& target) {
    for (int guard = 0; guard < 4; ++guard) {
      const std::string state = f.value("status", "");
      if (state == target || state == "FINDING_CLOSED") return;
      const Json name = f["name"];
      if (state == "FINDING_OPEN") {
        f = Step("complaints", "SubmitAuditCountermeasure",
                 {{"name", name}, {"countermeasure", "records completed, station checked"}});
      } else if (state == "FINDING_CONTAINED") {
        f = Step("complaints", "SubmitAuditAnalysis",
                 {{"name", name},
                  {"rootCause", "no owner for the records after a reorganisation"},
                  {"longTermAction", "owner named in the process matrix, monthly layered audit"}});
      } else if (state == "FINDING_ANALYZED") {
        f = Step("complaints", "CloseAuditFinding",
                 {{"name", name}, {"closingNotes", "verified in the follow-up audit"}});
      } else {
        return;
      }
    }
  }

  // The goods of the returned complaint: received, confirmed ours, 30 reworked and 10 scrapped,
  // the rework order closed, the return closed.
  void ComplaintReturn(const PlantData& plant, absl::CivilMonth month, const Json& complaint) {
    Json r = Create(
        "returns", "CreateReturn",
        {{"parent", absl::StrCat("plants/", plant.code)},
         {"requestId", absl::StrFormat("demo-%s-%s-r0", absl::FormatCivilTime(month), plant.code)},
         {"return",
          {{"customer", complaint.value("customer", "")},
           {"complaint", complaint.value("name", "")},
           {"lines",
            {{{"partNumber", complaint.value("partNumber", "")},
              {"lots", {complaint.value("lotNumber", "")}},
              {"orderNumber", complaint.value("orderNumber", "")},
              {"announcedQuantity", 40},
              {"reasonCode", complaint.value("defectCode", "")}}}}}}});
    WalkReturn(r, "CLOSED");
  }

  // A customer's periodic collection of returns, received and waiting for quality.
  void BulkReturn(const PlantData& plant, absl::CivilMonth month) {
    Json r = Create(
        "returns", "CreateReturn",
        {{"parent", absl::StrCat("plants/", plant.code)},
         {"requestId", absl::StrFormat("demo-%s-%s-r1", absl::FormatCivilTime(month), plant.code)},
         {"return",
          {{"customer", plant.customers[2]},
           {"bulk", true},
           {"lines",
            {{{"partNumber", plant.parts[0]}, {"announcedQuantity", 25}, {"reasonCode", "SCR"}},
             {{"partNumber", plant.parts[3]},
              {"announcedQuantity", 8},
              {"reasonCode", "LBL"}}}}}}});
    WalkReturn(r, "RECEIVED");
  }

  void WalkReturn(Json r, const std::string& target) {
    for (int guard = 0; guard < 10; ++guard) {
      const std::string state = r.value("state", "");
      if (state == target || state == "CLOSED") return;
      const Json name = r["name"];
      const Json lines = r.value("lines", Json::array());
      if (state == "REGISTERED") {
        Json counted = Json::array();
        for (const Json& line : lines) {
          counted.push_back({{"line", line["line"]}, {"quantity", line["announcedQuantity"]}});
        }
        r = Step("returns", "RecordReceipt",
                 {{"name", name},
                  {"receipt",
                   {{"receiptNumber", absl::StrCat("GR-", r.value("number", ""))},
                    {"lines", counted}}}});
      } else if (state == "RECEIVED") {
        for (const Json& line : lines) {
          if (line.contains("confirmation")) continue;
          r = Step("returns", "ConfirmQuality",
                   {{"name", name},
                    {"line", line["line"]},
                    {"result", "DEFECT_CONFIRMED"},
                    {"nonconformingQuantity", line["announcedQuantity"]},
                    {"responsibility", "OURS"},
                    {"notes", "defect reproduced at the lab"}});
        }
      } else if (state == "CONFIRMED") {
        r = Step("returns", "DisposeLine",
                 {{"name", name},
                  {"line", 1},
                  {"disposition",
                   {{"rework", 30}, {"scrap", 10}, {"scrapReason", "cracked beyond repair"}}}});
      } else if (state == "DISPOSED") {
        const Json orders = r.value("reworkOrders", Json::array());
        if (orders.empty()) {
          r = Step("returns", "IssueReworkOrder",
                   {{"name", name},
                    {"line", 1},
                    {"quantity", 30},
                    {"instruction", "deburr and 100 % visual inspection"},
                    {"needTime", Rfc3339(absl::Now() + absl::Hours(24 * 7))}});
        } else if (orders[0].value("state", "") != "REWORK_CLOSED") {
          Step("returns", "RecordReworkProgress",
               {{"name", name}, {"reworkOrder", 1}, {"reworked", 30}, {"inspectedOk", 30}});
          r = Step("returns", "CloseReworkOrder", {{"name", name}, {"reworkOrder", 1}});
        } else {
          r = Step("returns", "CloseReturn", {{"name", name}});
        }
      } else {
        return;
      }
    }
  }

  Client& client_;
  const absl::Time run_start_;
  absl::Time server_start_ = absl::InfinitePast();
  int created_ = 0;
  int changes_ = 0;
  std::vector<std::string> live_;
};

void Run(Context& context) {
  const absl::Time start = absl::Now();
  Demo demo(context.client, start);
  const absl::CivilMonth current(absl::ToCivilSecond(start, absl::UTCTimeZone()));
  absl::CivilMonth month = current - 1;
  demo.Live();
  const int live_records = demo.created();
  // The first month (going back) the demo had not filled; at most ten years of them.
  for (int k = 0; k < 120 && !demo.Month(month); ++k) --month;
  const int month_records = demo.created() - live_records;
  if (context.json) {
    std::cout << Json{{"month", absl::FormatCivilTime(month)},
                      {"created", demo.created()},
                      {"monthRecords", month_records},
                      {"live", demo.live()}}
                     .dump()
              << "\n";
    return;
  }
  std::cout << "demo: " << absl::FormatCivilTime(month) << " of " << Plants()[0].code << " and "
            << Plants()[1].code << " filled (" << month_records
            << " records created, every step through the API), and this run's live complaints "
            << absl::StrJoin(demo.live(), ", ")
            << ": received almost 24 h ago, not contained — their containment breaches in about 3 "
               "minutes.\n\n"
               "Look at it:\n"
               "  scripts/qms cli complaints list --plant SZ1\n"
               "  scripts/qms cli complaints list --plant SZ1 --overdue\n"
               "  scripts/qms cli complaints show "
            << demo.live().front()
            << "\n"
               "  scripts/qms cli findings blacklist --plant SZ1\n"
               "  scripts/qms cli timers list --plant SZ1 breached\n"
               "  scripts/qms cli returns list --plant BER\n"
               "  scripts/qms cli watch --plant SZ1        (the live breach, within minutes)\n"
               "  scripts/qms monitor, then in Prometheus: qms_records_overdue, "
               "sum by (plant, policy) (qms_timer_breaches_total), qms_timers_open\n"
               "Run the demo again for an older month.\n";
}

}  // namespace

void AddDemoCommand(CLI::App& app, Context& context) {
  Command(app, "demo",
          "Fill the stack with a month of SZ1 and BER through the API; each run adds an older "
          "month, never a duplicate (roles admin and general_manager in both: `scripts/qms demo`)",
          [&context] { Run(context); });
}

}  // namespace qms::cli
