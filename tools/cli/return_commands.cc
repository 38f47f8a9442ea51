// `qms returns …`: returned goods from registration through receipt, quality's confirmation,
// disposition and rework to closure.
#include <iostream>

#include "tools/cli/commands.h"

namespace qms::cli {
namespace {

constexpr char kService[] = "returns";

const std::vector<Column> kSummary = {{"return", "number"},
                                      {"state", "state"},
                                      {"next due", "nextDueTime"},
                                      {"overdue", "overdue"},
                                      {"etag", "etag"}};

RequestFields& ReturnStep(CLI::App& parent, Context& context, const std::string& name,
                          const std::string& help, const std::string& method) {
  return StepCommand(parent, context, name, help, kService, method, "returns", kSummary);
}

void AddSteps(CLI::App& returns, Context& context) {
  RequestFields& receipt = ReturnStep(returns, context, "receive",
                                      "The warehouse books returned goods (入库)", "RecordReceipt");
  receipt.Text("--receipt", "receipt.receiptNumber", "The receipt number (入库单号)")->required();
  receipt.Records("--line", "receipt.lines", {"line", "quantity"}, "A line's counted quantity")
      ->required();
  receipt.Text("--note", "receipt.note", "Required above the announced quantity");

  RequestFields& confirm =
      ReturnStep(returns, context, "confirm", "Quality confirms one line", "ConfirmQuality");
  confirm.Number("--line", "line", "The line")->required();
  confirm.Text("--result", "result", "DEFECT_CONFIRMED or NO_TROUBLE_FOUND")->required();
  confirm.Number("--nonconforming", "nonconformingQuantity", "How many are nonconforming");
  confirm.Text("--responsibility", "responsibility", "OURS or NOT_OURS");
  confirm.Text("--notes", "notes", "What was found");

  ReturnStep(returns, context, "explain", "Sales' explanation to the customer (a line not ours)",
             "ExplainToCustomer")
      .Text("--text", "explanation", "The explanation")
      ->required();

  RequestFields& dispose =
      ReturnStep(returns, context, "dispose", "Quality disposes of one line", "DisposeLine");
  dispose.Number("--line", "line", "The line")->required();
  dispose.Number("--rework", "disposition.rework", "To rework");
  dispose.Number("--scrap", "disposition.scrap", "To scrap");
  dispose.Text("--scrap-reason", "disposition.scrapReason", "Required with --scrap");
  dispose.Number("--concession", "disposition.concession", "Use as is");
  dispose.Text("--concession-reference", "disposition.concessionReference",
               "The customer's authorization, required with --concession");
  dispose.Number("--to-customer", "disposition.returnToCustomer", "Back to the customer");
  dispose.Number("--to-supplier", "disposition.returnToSupplier", "Back to the supplier");

  RequestFields& rework = ReturnStep(returns, context, "rework",
                                     "PMC issues a rework order for a line", "IssueReworkOrder");
  rework.Number("--line", "line", "The line")->required();
  rework.Number("--quantity", "quantity", "How many")->required();
  rework.Text("--instruction", "instruction", "Quality's rework / 100 % inspection instruction")
      ->required();
  rework.Time("--need", "needTime", "When the customer needs the goods back");

  RequestFields& progress = ReturnStep(returns, context, "rework-progress",
                                       "Running totals of a rework order", "RecordReworkProgress");
  progress.Number("--order", "reworkOrder", "The rework order's number")->required();
  progress.Number("--reworked", "reworked", "Reworked so far");
  progress.Number("--ok", "inspectedOk", "Inspected OK so far");
  progress.Number("--ng", "inspectedNg", "Inspected NG so far");

  ReturnStep(returns, context, "rework-close", "Quality closes a rework order", "CloseReworkOrder")
      .Number("--order", "reworkOrder", "The rework order's number")
      ->required();
  ReturnStep(returns, context, "close", "Close the return", "CloseReturn");
}

}  // namespace

void AddReturnCommands(CLI::App& app, Context& context) {
  CLI::App* returns =
      app.add_subcommand("returns", "Returned goods: receipt, confirmation, disposition, rework");
  returns->require_subcommand(1);
  RequestFields& list = ListCommand(*returns, context, "list", "The plant's returns, newest first",
                                    kService, "ListReturns", {Scope::kPlantParent, ""}, "returns",
                                    {{"RETURN", "number"},
                                     {"STATE", "state"},
                                     {"CUSTOMER", "customer"},
                                     {"COMPLAINT", "@complaint"},
                                     {"PARTS", "lines.partNumber"},
                                     {"ANNOUNCED", "lines.announcedQuantity"},
                                     {"NEXT DUE", "nextDueTime"},
                                     {"OVERDUE", "overdue"}});
  list.Text("--customer", "customer", "Only this customer's");
  list.Text("--part", "partNumber", "Only with this part");
  list.Text("--state", "state", "REGISTERED, RECEIVED, CONFIRMED, DISPOSED or CLOSED");
  list.Text("--complaint", "complaint", "Only this complaint's (its full name)");
  list.Flag("--overdue", "overdueOnly", "Only those past a deadline");

  ShowCommand(*returns, context, kService, "GetReturn", "returns", "return",
              {{"return", "number"},
               {"state", "state"},
               {"customer", "customer"},
               {"complaint", "@complaint"},
               {"bulk", "bulk"},
               {"without goods", "withoutGoods"},
               {"lines", "lines"},
               {"receipts", "receipts"},
               {"rework orders", "reworkOrders"},
               {"urgent production", "urgentProduction"},
               {"analysis", "analysis"},
               {"explanation", "customerExplanation"},
               {"next due", "nextDueTime"},
               {"overdue", "overdue"},
               {"closed", "closeTime"},
               {"etag", "etag"}});
  ListCommand(*returns, context, "history", "Every change of a return, oldest first", kService,
              "ListReturnHistory", {Scope::kRecord, "returns"}, "entries",
              {{"#", "sequence"},
               {"TIME", "time"},
               {"ACTION", "action"},
               {"ACTOR", "actor"},
               {"DETAILS", "details"}});
  AddSteps(*returns, context);
}

}  // namespace qms::cli
