// `qms complaints …` and `qms findings …`: the complaints service's master log, its 8D steps and
// the customer-audit findings with their blacklist.
#include <fstream>
#include <iostream>

#include "absl/strings/str_cat.h"
#include "tools/cli/commands.h"

namespace qms::cli {
namespace {

constexpr char kService[] = "complaints";

const std::vector<Column> kSummary = {{"complaint", "number"},
                                      {"state", "status"},
                                      {"etag", "etag"},
                                      {"serious", "seriousReasons"},
                                      {"reopened as", "@reopenedAs"}};

std::vector<Column> ComplaintRecord() {
  return {{"complaint", "number"},
          {"state", "status"},
          {"serious", "seriousReasons"},
          {"customer", "customer"},
          {"contact", "customerContact"},
          {"part", "partNumber"},
          {"order", "orderNumber"},
          {"lot", "lotNumber"},
          {"delivered", "deliveryDate"},
          {"quantity delivered", "quantityDelivered"},
          {"quantity defective", "quantityDefective"},
          {"defect code", "defectCode"},
          {"defect", "defectDescription"},
          {"goods returned", "goodsReturned"},
          {"channel", "channel"},
          {"received", "receivedTime"},
          {"contained", "containTime"},
          {"corrective action due", "correctiveActionDueTime"},
          {"customer's reply date", "customerRequiredReplyTime"},
          {"improvement date", "improvementDate"},
          {"closed", "closeTime"},
          {"reopened from", "@reopenedFrom"},
          {"reopened as", "@reopenedAs"},
          {"responsible", "triage.responsibleDepartment"},
          {"severity", "triage.severity"},
          {"meeting notes", "triage.meetingNotes"},
          {"D1 team", "triage.team"},
          {"D2 problem", "triage.problem"},
          {"D3 containment", "containment.actions"},
          {"D3 quarantined at site", "containment.quantityQuarantinedAtSite"},
          {"D3 sorted at site", "containment.quantitySortedAtSite"},
          {"D4 why occurred", "rootCause.whyOccurred"},
          {"D4 why not detected", "rootCause.whyNotDetected"},
          {"D4 why not prevented", "rootCause.whyNotPrevented"},
          {"D4 category", "rootCause.category"},
          {"D4 summary", "rootCause.summary"},
          {"D5/D6 corrective actions", "correctiveActions"},
          {"D7 preventive actions", "preventiveActions"},
          {"D7 waiver", "preventiveWaiver"},
          {"decisions", "decisions"},
          {"D8 reply", "reply"},
          {"verifications", "verifications"},
          {"etag", "etag"}};
}

const std::vector<std::string> kActionKeys = {"description", "responsibleDepartment", "owner",
                                              "dueDate"};

RequestFields& ComplaintStep(CLI::App& parent, Context& context, const std::string& name,
                             const std::string& help, const std::string& method) {
  return StepCommand(parent, context, name, help, kService, method, "complaints", kSummary);
}

void AddSteps(CLI::App& complaints, Context& context) {
  RequestFields& triage =
      ComplaintStep(complaints, context, "triage",
                    "The complaint meeting: responsible department, severity, D1 team, D2 problem",
                    "TriageComplaint");
  triage.Text("--department", "triage.responsibleDepartment", "The responsible department");
  triage.Text("--severity", "triage.severity", "MINOR, MAJOR or CRITICAL");
  triage.Text("--notes", "triage.meetingNotes", "The meeting's notes");
  triage.Records("--member", "triage.team", {"name", "department", "role"}, "D1: a team member");
  for (const char* w : {"what", "where", "when", "who", "why", "how"}) {
    triage.Text(absl::StrCat("--", w), absl::StrCat("triage.problem.", w),
                absl::StrCat("D2: ", w, " (5W2H)"));
  }
  triage.Text("--how-many", "triage.problem.howMany", "D2: how many (5W2H)");

  RequestFields& contain = ComplaintStep(
      complaints, context, "contain", "D3 containment; stops the 24 h timer", "SubmitContainment");
  contain.Records("--action", "containment.actions", kActionKeys, "A containment action");
  contain.Number("--quarantined", "containment.quantityQuarantinedAtSite", "Quarantined at site");
  contain.Number("--sorted", "containment.quantitySortedAtSite", "Sorted at site");
  contain.Number("--in-transit", "containment.quantityInTransit", "In transit");
  contain.Number("--at-customer", "containment.quantityAtCustomer", "At the customer");

  RequestFields& cause = ComplaintStep(complaints, context, "root-cause",
                                       "D4 root cause (5-Why, 5M1E)", "SubmitRootCause");
  cause.Texts("--why-occurred", "rootCause.whyOccurred", "Why it occurred");
  cause.Texts("--why-not-detected", "rootCause.whyNotDetected", "Why it was not detected");
  cause.Texts("--why-not-prevented", "rootCause.whyNotPrevented", "Why it was not prevented");
  cause.Text("--category", "rootCause.category",
             "MAN, MACHINE, MATERIAL, METHOD, MEASUREMENT or ENVIRONMENT");
  cause.Text("--summary", "rootCause.summary", "The root cause in a sentence");

  RequestFields& actions =
      ComplaintStep(complaints, context, "actions",
                    "D5/D6 corrective and D7 preventive actions, for the GM", "SubmitActions");
  actions.Records("--corrective", "correctiveActions", kActionKeys, "A corrective action");
  actions.Records("--preventive", "preventiveActions", kActionKeys, "A preventive action");

  RequestFields& waive =
      ComplaintStep(complaints, context, "waive", "GM: no preventive action, with the reason",
                    "WaivePreventiveAction");
  waive.Text("--reason", "reason", "NOT_ECONOMICAL or NO_POTENTIAL_CAUSE")->required();
  waive.Text("--explanation", "explanation", "Why");
  ComplaintStep(complaints, context, "approve", "GM: approve the actions (核决)", "ApproveActions")
      .Text("--comments", "comments", "The GM's comments");
  ComplaintStep(complaints, context, "reject", "GM: reject the actions, with comments",
                "RejectActions")
      .Text("--comments", "comments", "What to change")
      ->required();
  RequestFields& reply = ComplaintStep(
      complaints, context, "reply",
      "The corrective/preventive reply to the customer; starts verification", "ReplyToCustomer");
  reply.Text("--text", "text", "The reply")->required();
  reply.Text("--improvement-date", "improvementDate", "YYYY-MM-DD: when to verify")->required();
  RequestFields& verify = ComplaintStep(complaints, context, "verify",
                                        "Effectiveness verified: CLOSED, or a new improvement date",
                                        "VerifyEffectiveness");
  verify.Flag("--effective", "effective", "The actions were effective (closes the complaint)");
  verify.Text("--notes", "notes", "What was checked");
  verify.Text("--new-improvement-date", "newImprovementDate", "YYYY-MM-DD, when not effective");
  ComplaintStep(complaints, context, "reopen",
                "The customer is not satisfied: a continuation complaint (<number>-1)",
                "ReopenComplaint")
      .Text("--reason", "reason", "Why")
      ->required();
}

void AddComplaints(CLI::App& app, Context& context) {
  CLI::App* complaints = app.add_subcommand(
      "complaints", "Customer complaints: the master log, one complaint's 8D, its steps");
  complaints->require_subcommand(1);

  RequestFields& list =
      ListCommand(*complaints, context, "list", "The plant's complaints, newest first", kService,
                  "ListComplaints", {Scope::kPlantParent, ""}, "complaints",
                  {{"COMPLAINT", "number"},
                   {"STATE", "status"},
                   {"CUSTOMER", "customer"},
                   {"PART", "partNumber"},
                   {"SEVERITY", "triage.severity"},
                   {"SERIOUS", "seriousReasons"},
                   {"RECEIVED", "receivedTime"},
                   {"CA DUE", "correctiveActionDueTime"},
                   {"DEFECT", "defectDescription"}});
  list.Text("--customer", "customer", "Only this customer's");
  list.Text("--state", "status", "Only in this state (RECEIVED, TRIAGED, … CLOSED, REOPENED)");
  list.Flag("--overdue", "overdueOnly",
            "Only open ones past their containment or corrective action");
  list.Time("--received-after", "receivedAfter", "Received at or after");
  list.Time("--received-before", "receivedBefore", "Received before");

  ShowCommand(*complaints, context, kService, "GetComplaint", "complaints", "complaint",
              ComplaintRecord(), [&context](const Json& complaint) {
                std::cout << "\ntimers:\n";
                try {
                  PrintTimers(std::cout,
                              TimersOf(context.client, complaint.value("plant", ""),
                                       complaint.value("name", "")),
                              /*with_subject=*/false);
                } catch (const Failure& f) {
                  std::cout << "  (notifications did not answer: " << f.message << ")\n";
                }
              });

  ListCommand(*complaints, context, "history",
              "Every change of a complaint, oldest first: who, when, from which state to which",
              kService, "ListComplaintHistory", {Scope::kRecord, "complaints"}, "entries",
              {{"#", "sequence"},
               {"TIME", "time"},
               {"ACTION", "action"},
               {"ACTOR", "actor"},
               {"FROM", "fromStatus"},
               {"TO", "toStatus"},
               {"DETAILS", "details"}});

  struct ReportOptions {
    std::string id;
    std::string file;
  };
  auto report = std::make_shared<ReportOptions>();
  CLI::App* report_command = Command(
      *complaints, "report", "The 8D report as an HTML document, written to a file",
      [&context, report] {
        const Json reply = context.client.Call(
            kService, "GetReport", {{"name", ResourceName(report->id, "", "complaints")}});
        const std::string content = reply.value("content", "");
        std::string file = report->file;
        if (file.empty()) file = Cell(reply, "@name") + ".html";
        std::ofstream out(file, std::ios::binary);
        out << content;
        if (!out.flush()) throw Failure{kUsage, absl::StrCat("cannot write ", file)};
        Emit(context, Json{{"name", reply.value("name", "")}, {"file", file}},
             [&] { std::cout << "wrote " << file << " (" << content.size() << " bytes)\n"; });
      });
  report_command->add_option("id", report->id, "The complaint: its number or full name")
      ->required();
  report_command->add_option("-o,--output", report->file, "The file (default NUMBER.html)");

  struct CreateOptions {
    std::string plant;
    std::string request_id;
    std::unique_ptr<RequestFields> fields;
  };
  auto create = std::make_shared<CreateOptions>();
  CLI::App* create_command =
      Command(*complaints, "create", "Register a complaint in the master log", [&context, create] {
        Json fixed = {{"parent", absl::StrCat("plants/", create->plant)}};
        if (!create->request_id.empty()) fixed["requestId"] = create->request_id;
        const Json record =
            context.client.Call(kService, "CreateComplaint", create->fields->Build(fixed));
        Emit(context, record, [&] { PrintRecord(std::cout, record, kSummary); });
      });
  create_command->add_option("-p,--plant", create->plant, "The plant (default $QMS_PLANT)")
      ->envname("QMS_PLANT")
      ->required();
  create_command->add_option("--request-id", create->request_id,
                             "Idempotency key: the same key again returns the same complaint");
  create->fields = std::make_unique<RequestFields>(create_command);
  RequestFields& c = *create->fields;
  c.Text("--customer", "complaint.customer", "The customer")->required();
  c.Text("--contact", "complaint.customerContact", "Who at the customer");
  c.Text("--part", "complaint.partNumber", "The part number")->required();
  c.Text("--order", "complaint.orderNumber", "The order number");
  c.Text("--lot", "complaint.lotNumber", "The lot number");
  c.Text("--delivery-date", "complaint.deliveryDate", "YYYY-MM-DD");
  c.Number("--delivered", "complaint.quantityDelivered", "Quantity delivered");
  c.Number("--defective", "complaint.quantityDefective", "Quantity defective");
  c.Text("--defect-code", "complaint.defectCode", "The plant's defect code");
  c.Text("--defect", "complaint.defectDescription", "What is wrong")->required();
  c.Flag("--goods-returned", "complaint.goodsReturned", "Goods are being returned");
  c.Flag("--production-affected", "complaint.customerProductionAffected",
         "The customer's production is affected");
  c.Flag("--delivery-affected", "complaint.customerDeliveryAffected",
         "The customer's deliveries are affected");
  c.Text("--channel", "complaint.channel", "How it reached us: WRITTEN, ORAL, PHONE or EMAIL")
      ->required();
  c.Time("--received", "complaint.receivedTime", "When the complaint reached us (default now)");
  c.Time("--reply-by", "complaint.customerRequiredReplyTime", "The customer's required reply date");

  AddSteps(*complaints, context);
}

void AddFindings(CLI::App& app, Context& context) {
  CLI::App* findings = app.add_subcommand(
      "findings", "Customer audit findings (2485 rule) and the blacklist ledger");
  findings->require_subcommand(1);
  const std::vector<Column> columns = {{"FINDING", "@name"},     {"STATE", "status"},
                                       {"CUSTOMER", "customer"}, {"AREA", "auditedArea"},
                                       {"OWNER", "owner"},       {"RAISED", "raisedTime"},
                                       {"LATE", "lateStages"},   {"WHAT", "finding"}};
  RequestFields& list =
      ListCommand(*findings, context, "list", "The plant's findings, newest first", kService,
                  "ListAuditFindings", {Scope::kPlantParent, ""}, "findings", columns);
  list.Text("--state", "status",
            "FINDING_OPEN, FINDING_CONTAINED, FINDING_ANALYZED or FINDING_CLOSED");
  list.Text("--customer", "customer", "Only this customer's");
  list.Flag("--blacklisted", "blacklistedOnly", "Only those on the blacklist");
  ListCommand(*findings, context, "blacklist",
              "The blacklist ledger: findings late at any stage (稽核闭环跟进落实黑名单台帐)",
              kService, "ListAuditFindings", {Scope::kPlantParent, ""}, "findings", columns)
      .Always("blacklistedOnly", true);

  ShowCommand(*findings, context, kService, "GetAuditFinding", "auditFindings", "finding",
              {{"finding", "@name"},
               {"state", "status"},
               {"blacklisted", "blacklisted"},
               {"late", "lateStages"},
               {"customer", "customer"},
               {"area", "auditedArea"},
               {"what", "finding"},
               {"owner", "owner"},
               {"raised", "raisedTime"},
               {"countermeasure due", "countermeasureDueTime"},
               {"countermeasure", "countermeasure"},
               {"analysis due", "analysisDueTime"},
               {"root cause", "rootCause"},
               {"long-term action", "longTermAction"},
               {"close due", "closeDueTime"},
               {"closing notes", "closingNotes"},
               {"closed", "closeTime"},
               {"etag", "etag"}});
  const std::vector<Column> summary = {
      {"finding", "@name"}, {"state", "status"}, {"blacklisted", "blacklisted"}, {"etag", "etag"}};
  StepCommand(*findings, context, "countermeasure", "The temporary countermeasure (24 h)", kService,
              "SubmitAuditCountermeasure", "auditFindings", summary)
      .Text("--text", "countermeasure", "The countermeasure")
      ->required();
  RequestFields& analysis =
      StepCommand(*findings, context, "analysis", "Root cause and long-term action (48 h)",
                  kService, "SubmitAuditAnalysis", "auditFindings", summary);
  analysis.Text("--root-cause", "rootCause", "The root cause")->required();
  analysis.Text("--action", "longTermAction", "The long-term countermeasure")->required();
  StepCommand(*findings, context, "close", "Close the finding (5 days); stops its timer", kService,
              "CloseAuditFinding", "auditFindings", summary)
      .Text("--notes", "closingNotes", "How it was verified");
}

}  // namespace

void AddComplaintCommands(CLI::App& app, Context& context) {
  AddComplaints(app, context);
  AddFindings(app, context);
}

}  // namespace qms::cli
