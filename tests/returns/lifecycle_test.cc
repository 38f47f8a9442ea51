// The return's flow as pure functions (services/returns/lifecycle.h): every step from every
// state, the quantities that must add up, the timers each step arms and disarms.
#include "services/returns/lifecycle.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <map>

#include "absl/strings/str_cat.h"
#include "common/field_violations.h"
#include "services/returns/documents.h"
#include "services/returns/statistics.h"

namespace qms::returns {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::Not;
using S = ReturnState;
using Kind = TimerCommand::Kind;

const absl::Time kNow = absl::FromUnixSeconds(1'780'000'000);
const S kAllStates[] = {S::kRegistered, S::kReceived, S::kConfirmed, S::kDisposed, S::kClosed};

Context At(absl::Time t = kNow) { return Context{"qe@sz1", t}; }

Return Draft() {
  Return r;
  r.plant = "SZ1";
  r.number = "SZ1-R-2026-00042";
  r.customer = "ACME";
  r.complaint = "plants/SZ1/complaints/SZ1-2026-00007";
  Line a;
  a.part_number = "PN-100";
  a.lots = {"L1", "L2"};
  a.order_number = "SO-1";
  a.announced = 10;
  a.reason_code = "BURR";
  Line b = a;
  b.part_number = "PN-200";
  b.announced = 5;
  r.lines = {a, b};
  return r;
}

Return Registered() { return Register(Draft(), At(kNow - absl::Hours(3))).record; }

// Applies `step`, which must succeed.
Outcome Must(const Return& r, const Step& step, absl::Time at = kNow) {
  auto out = Apply(r, step, At(at));
  EXPECT_TRUE(out.ok()) << StepName(step) << ": " << out.status();
  return out.ok() ? *out : Outcome{r, {}, false};
}

Step Receipt1() { return RecordReceiptStep{{"WH-1", {{1, 10}, {2, 5}}, "", "", {}}}; }
Step ConfirmAs(int line, ConfirmationResult result, int64_t n, Responsibility who) {
  ConfirmQualityStep s;
  s.line = line;
  s.confirmation.result = result;
  s.confirmation.nonconforming = n;
  s.confirmation.responsibility = who;
  return s;
}
Step ConfirmOurs(int line, int64_t n) {
  return ConfirmAs(line, ConfirmationResult::kDefectConfirmed, n, Responsibility::kOurs);
}
Step NoTroubleFound(int line, int64_t n = 0) {
  return ConfirmAs(line, ConfirmationResult::kNoTroubleFound, n, Responsibility::kNotOurs);
}

Return Received() { return Must(Registered(), Receipt1()).record; }
Return Confirmed() {
  return Must(Must(Received(), ConfirmOurs(1, 10)).record, ConfirmOurs(2, 5)).record;
}
Return Disposed() {
  Return r = Must(Confirmed(), DisposeLineStep{1, {6, 4, "cracked", 0, "", 0, 0}}).record;
  return Must(r, DisposeLineStep{2, {0, 0, "", 5, "ACME-CONC-9", 0, 0}}).record;
}
Return Closed() { return Must(Disposed(), CloseReturnStep{}).record; }

Return InState(S s) {
  switch (s) {
    case S::kRegistered:
      return Registered();
    case S::kReceived:
      return Received();
    case S::kConfirmed:
      return Confirmed();
    case S::kDisposed:
      return Disposed();
    case S::kClosed:
      return Closed();
  }
  return Registered();
}

// A step valid in content, by index over the Step variant.
Step ValidStep(size_t index) {
  const absl::Time later = kNow + absl::Hours(72);
  switch (index) {
    case 0:
      return RecordReceiptStep{{"WH-9", {{1, 1}}, "one more", "", {}}};
    case 1:
      return ConfirmOurs(1, 1);
    case 2:
      return ExplainToCustomerStep{"the damage happened in the customer's handling"};
    case 3:
      return DisposeLineStep{1, {1, 0, "", 0, "", 0, 0}};
    case 4:
      return IssueReworkOrderStep{1, 1, "rework the edge, 100 % visual inspection", later};
    case 5:
      return RecordReworkProgressStep{1, 0, 0, 0};
    case 6:
      return CloseReworkOrderStep{1};
    case 7:
      return RequestUrgentProductionStep{0, later};
    case 8:
      return ScheduleUrgentProductionStep{"MO-77"};
    case 9:
      return RecordAnalysisStep{Cause::kMachine, true, "deburring tool worn", {"doc://42"}};
    case 10:
      return ArchiveAnalysisStep{};
    default:
      return CloseReturnStep{};
  }
}

// The states each step may start from, written out from the domain brief independently of the
// implementation's table.
const std::map<size_t, std::vector<S>>& ExpectedFrom() {
  static const auto* from = new std::map<size_t, std::vector<S>>{
      {0, {S::kRegistered, S::kReceived}},
      {1, {S::kReceived}},
      {2, {S::kConfirmed, S::kDisposed}},
      {3, {S::kConfirmed}},
      {4, {S::kConfirmed, S::kDisposed}},
      {5, {S::kConfirmed, S::kDisposed}},
      {6, {S::kConfirmed, S::kDisposed}},
      {7, {S::kRegistered, S::kReceived, S::kConfirmed, S::kDisposed}},
      {8, {S::kRegistered, S::kReceived, S::kConfirmed, S::kDisposed}},
      {9, {S::kReceived, S::kConfirmed, S::kDisposed, S::kClosed}},
      {10, {S::kReceived, S::kConfirmed, S::kDisposed, S::kClosed}},
      {11, {S::kDisposed}},
  };
  return *from;
}

TEST(ReturnLifecycle, EveryStepFromAStateItIsNotAllowedInIsFailedPreconditionNamingBothStates) {
  int refused = 0;
  for (size_t i = 0; i < std::variant_size_v<Step>; ++i) {
    const Step step = ValidStep(i);
    const std::vector<S>& allowed = ExpectedFrom().at(i);
    EXPECT_EQ(AllowedFrom(step), allowed) << StepName(step);
    for (S from : kAllStates) {
      if (std::find(allowed.begin(), allowed.end(), from) != allowed.end()) continue;
      SCOPED_TRACE(absl::StrCat(StepName(step), " from ", ToString(from)));
      auto out = Apply(InState(from), step, At());
      ASSERT_EQ(out.status().code(), absl::StatusCode::kFailedPrecondition);
      EXPECT_THAT(std::string(out.status().message()),
                  HasSubstr(absl::StrCat(" is ", ToString(from), ", the step needs ")));
      EXPECT_THAT(std::string(out.status().message()), HasSubstr(ToString(allowed[0])));
      ++refused;
    }
  }
  EXPECT_EQ(refused, 12 * 5 - 29);
}

TEST(ReturnLifecycle, TheHappyPathMovesThroughEveryStateAndNeverChangesItsInput) {
  const Return registered = Registered();
  EXPECT_EQ(registered.state, S::kRegistered);
  const Return copy = registered;
  const Return received = Must(registered, Receipt1()).record;
  EXPECT_EQ(registered.receipts.size(), copy.receipts.size());
  EXPECT_EQ(received.state, S::kReceived);
  EXPECT_EQ(received.lines[0].received, 10);
  EXPECT_EQ(Confirmed().state, S::kConfirmed);
  EXPECT_EQ(Disposed().state, S::kDisposed);
  const Return closed = Closed();
  EXPECT_EQ(closed.state, S::kClosed);
  EXPECT_EQ(closed.close_time, kNow);
}

TEST(ReturnLifecycle, TheFirstReceiptArmsQualityConfirmationAndTheLastConfirmationDisarmsIt) {
  auto received = Must(Registered(), Receipt1());
  ASSERT_EQ(received.timers.size(), 1u);
  EXPECT_EQ(received.timers[0].kind, Kind::kArm);
  EXPECT_EQ(received.timers[0].policy, kConfirmationPolicy);
  EXPECT_EQ(received.timers[0].subject, "plants/SZ1/returns/SZ1-R-2026-00042");
  EXPECT_EQ(received.timers[0].due, kNow + kConfirmationWindow);
  EXPECT_EQ(received.timers[0].customer, "ACME");
  // A second, partial receipt arms nothing more.
  EXPECT_TRUE(
      Must(received.record, RecordReceiptStep{{"WH-2", {{1, 2}}, "extra", "", {}}}).timers.empty());
  auto first = Must(received.record, ConfirmOurs(1, 10));
  EXPECT_TRUE(first.timers.empty());
  auto last = Must(first.record, ConfirmOurs(2, 5));
  ASSERT_EQ(last.timers.size(), 1u);
  EXPECT_EQ(last.timers[0].kind, Kind::kDisarm);
  EXPECT_EQ(last.timers[0].policy, kConfirmationPolicy);
}

TEST(ReturnLifecycle, AReturnWithoutGoodsSkipsReceiptAndWaitsForQualityAtOnce) {
  Return draft = Draft();
  draft.without_goods = true;
  const Outcome registered = Register(draft, At());
  EXPECT_EQ(registered.record.state, S::kReceived);
  ASSERT_EQ(registered.timers.size(), 1u);
  EXPECT_EQ(registered.timers[0].policy, kConfirmationPolicy);
  auto receipt = Apply(registered.record, Receipt1(), At());
  EXPECT_EQ(receipt.status().code(), absl::StatusCode::kFailedPrecondition);
  // The announced quantity is what is confirmed and disposed of.
  auto confirmed = Must(registered.record, ConfirmOurs(1, 10));
  EXPECT_EQ(Undisposed(confirmed.record, confirmed.record.lines[0]), 10);
}

TEST(ReturnLifecycle, ARepeatedReceiptChangesNothingAndOneWithOtherCountsIsRefused) {
  const Return received = Received();
  auto repeat = Apply(received, Receipt1(), At());
  ASSERT_TRUE(repeat.ok());
  EXPECT_TRUE(repeat->unchanged);
  auto other = Apply(received, RecordReceiptStep{{"WH-1", {{1, 9}}, "", "", {}}}, At());
  EXPECT_EQ(other.status().code(), absl::StatusCode::kAlreadyExists);
}

TEST(ReturnLifecycle, ACountAboveTheAnnouncedQuantityNeedsANote) {
  auto over = Apply(Registered(), RecordReceiptStep{{"WH-1", {{1, 11}}, "", "", {}}}, At());
  ASSERT_EQ(over.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(ViolationsOf(over.status()).at(0).field, "receipt.note");
  EXPECT_TRUE(Apply(Registered(),
                    RecordReceiptStep{{"WH-1", {{1, 11}}, "customer sent one spare", "", {}}}, At())
                  .ok());
  auto unknown = Apply(Registered(), RecordReceiptStep{{"WH-1", {{3, 1}}, "", "", {}}}, At());
  ASSERT_EQ(unknown.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(ViolationsOf(unknown.status()).at(0).field, "receipt.lines[0].line");
}

TEST(ReturnLifecycle, DispositionsThatDoNotAddUpAreRefusedNamingTheLine) {
  auto short_by_one = Apply(Confirmed(), DisposeLineStep{1, {5, 4, "cracked", 0, "", 0, 0}}, At());
  ASSERT_EQ(short_by_one.status().code(), absl::StatusCode::kInvalidArgument);
  const auto v = ViolationsOf(short_by_one.status());
  ASSERT_EQ(v.size(), 1u);
  EXPECT_EQ(v[0].field, "disposition");
  EXPECT_THAT(v[0].description, HasSubstr("line 1"));
  EXPECT_THAT(v[0].description, HasSubstr("add up to 9"));
  EXPECT_THAT(v[0].description, HasSubstr("10 are to be disposed of"));
  auto too_many = Apply(Confirmed(), DisposeLineStep{2, {6, 0, "", 0, "", 0, 0}}, At());
  ASSERT_EQ(too_many.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(ViolationsOf(too_many.status())[0].description, HasSubstr("line 2"));
  auto negative = Apply(Confirmed(), DisposeLineStep{1, {11, -1, "x", 0, "", 0, 0}}, At());
  ASSERT_EQ(negative.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(ViolationsOf(negative.status())[0].field, "disposition.scrap");
  // Scrap needs its reason, concession the customer's authorization.
  auto reasons = Apply(Confirmed(), DisposeLineStep{1, {0, 5, "", 5, "", 0, 0}}, At());
  ASSERT_EQ(reasons.status().code(), absl::StatusCode::kInvalidArgument);
  std::vector<std::string> fields;
  for (const auto& f : ViolationsOf(reasons.status())) fields.push_back(f.field);
  EXPECT_THAT(fields, ElementsAre("disposition.scrap_reason", "disposition.concession_reference"));
}

TEST(ReturnLifecycle, AReworkOrderWithoutAnInspectionInstructionIsRefused) {
  Return r = Must(Confirmed(), DisposeLineStep{1, {10, 0, "", 0, "", 0, 0}}).record;
  auto none = Apply(r, IssueReworkOrderStep{1, 10, "", kNow + absl::Hours(48)}, At());
  ASSERT_EQ(none.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(ViolationsOf(none.status()).at(0).field, "instruction");
  auto no_date = Apply(r, IssueReworkOrderStep{1, 10, "100 %", absl::InfinitePast()}, At());
  EXPECT_EQ(ViolationsOf(no_date.status()).at(0).field, "need_time");
  auto more = Apply(r, IssueReworkOrderStep{1, 11, "100 %", kNow + absl::Hours(48)}, At());
  ASSERT_EQ(more.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(ViolationsOf(more.status()).at(0).field, "quantity");
}

TEST(ReturnLifecycle, AReworkOrderArmsItsTimerAtTheNeedDateAndNgGoesBackToDisposition) {
  Return r = Must(Confirmed(), DisposeLineStep{1, {10, 0, "", 0, "", 0, 0}}).record;
  r = Must(r, DisposeLineStep{2, {0, 0, "", 0, "", 5, 0}}).record;
  ASSERT_EQ(r.state, S::kDisposed);
  const absl::Time need = kNow + absl::Hours(48);
  auto issued = Must(r, IssueReworkOrderStep{1, 10, "rework, 100 % inspection", need});
  ASSERT_EQ(issued.timers.size(), 1u);
  EXPECT_EQ(issued.timers[0].kind, Kind::kArm);
  EXPECT_EQ(issued.timers[0].policy, kReworkPolicy);
  EXPECT_EQ(issued.timers[0].subject, "plants/SZ1/returns/SZ1-R-2026-00042/reworkOrders/1");
  EXPECT_EQ(issued.timers[0].due, need);
  EXPECT_EQ(NextDue(issued.record), need);
  // Not all inspected: not closed.
  r = Must(issued.record, RecordReworkProgressStep{1, 10, 7, 2}).record;
  EXPECT_EQ(Apply(r, CloseReworkOrderStep{1}, At()).status().code(),
            absl::StatusCode::kFailedPrecondition);
  r = Must(r, RecordReworkProgressStep{1, 10, 7, 3}).record;
  // A return with an open rework order does not close.
  auto early = Apply(r, CloseReturnStep{}, At());
  EXPECT_THAT(std::string(early.status().message()), HasSubstr("rework order 1"));
  auto closed = Must(r, CloseReworkOrderStep{1});
  ASSERT_EQ(closed.timers.size(), 1u);
  EXPECT_EQ(closed.timers[0].kind, Kind::kDisarm);
  EXPECT_EQ(closed.timers[0].subject, issued.timers[0].subject);
  // The 3 NG are to be disposed of again.
  EXPECT_EQ(closed.record.state, S::kConfirmed);
  EXPECT_EQ(Undisposed(closed.record, closed.record.lines[0]), 3);
  r = Must(closed.record, DisposeLineStep{1, {0, 3, "not repairable", 0, "", 0, 0}}).record;
  EXPECT_EQ(r.state, S::kDisposed);
  EXPECT_EQ(Must(r, CloseReturnStep{}).record.state, S::kClosed);
}

TEST(ReturnLifecycle, ALineNotOursArmsTheExplanationTimerAndTheReturnWaitsForIt) {
  auto first = Must(Received(), NoTroubleFound(1, 0));
  auto all = Must(first.record, ConfirmOurs(2, 5));
  ASSERT_EQ(all.timers.size(), 2u);
  EXPECT_EQ(all.timers[1].kind, Kind::kArm);
  EXPECT_EQ(all.timers[1].policy, kExplanationPolicy);
  Return r = Must(all.record, DisposeLineStep{1, {0, 0, "", 0, "", 10, 0}}).record;
  r = Must(r, DisposeLineStep{2, {0, 5, "crushed", 0, "", 0, 0}}).record;
  EXPECT_THAT(std::string(Apply(r, CloseReturnStep{}, At()).status().message()),
              HasSubstr("explanation"));
  auto told = Must(r, ExplainToCustomerStep{"handling damage at the customer"});
  ASSERT_EQ(told.timers.size(), 1u);
  EXPECT_EQ(told.timers[0].kind, Kind::kDisarm);
  EXPECT_EQ(told.timers[0].policy, kExplanationPolicy);
  EXPECT_EQ(Must(told.record, CloseReturnStep{}).record.state, S::kClosed);
  // A confirmation of no trouble found has no nonconforming pieces.
  auto bad = Apply(Received(), NoTroubleFound(1, 2), At());
  EXPECT_EQ(ViolationsOf(bad.status()).at(0).field, "nonconforming_quantity");
}

TEST(ReturnLifecycle, UrgentProductionIsRequestedOnlyForWhatStockCannotReplace) {
  auto covered = Apply(Received(), RequestUrgentProductionStep{15, kNow + absl::Hours(96)}, At());
  EXPECT_EQ(covered.status().code(), absl::StatusCode::kFailedPrecondition);
  auto asked = Must(Received(), RequestUrgentProductionStep{4, kNow + absl::Hours(96)});
  ASSERT_TRUE(asked.record.urgent.has_value());
  EXPECT_EQ(asked.record.urgent->quantity, 11);
  ASSERT_EQ(asked.timers.size(), 1u);
  EXPECT_EQ(asked.timers[0].policy, kUrgentPolicy);
  EXPECT_EQ(asked.timers[0].due, kNow + kUrgentScheduleWindow);
  auto scheduled = Must(asked.record, ScheduleUrgentProductionStep{"MO-77"});
  ASSERT_EQ(scheduled.timers.size(), 1u);
  EXPECT_EQ(scheduled.timers[0].kind, Kind::kDisarm);
  EXPECT_EQ(scheduled.timers[0].policy, kUrgentPolicy);
}

TEST(ReturnLifecycle, AnArchivedAnalysisIsKeptAsItIs) {
  auto analyzed = Must(Received(), ValidStep(9));
  auto archived = Must(analyzed.record, ArchiveAnalysisStep{});
  ASSERT_TRUE(archived.record.analysis->archive_time.has_value());
  EXPECT_EQ(Apply(archived.record, ValidStep(9), At()).status().code(),
            absl::StatusCode::kFailedPrecondition);
  auto no_cause = Apply(Received(), RecordAnalysisStep{Cause::kMan, false, "x", {}}, At());
  EXPECT_EQ(ViolationsOf(no_cause.status()).at(0).field, "cause");
}

TEST(ReturnValidation, ANewReturnNamesItsComplaintInItsPlantOrIsBulk) {
  EXPECT_TRUE(ValidateNewReturn(Draft()).ok());
  Return other_plant = Draft();
  other_plant.complaint = "plants/SZ2/complaints/SZ2-2026-00001";
  auto st = ValidateNewReturn(other_plant);
  ASSERT_EQ(st.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(ViolationsOf(st)[0].field, "return.complaint");
  Return none = Draft();
  none.complaint.clear();
  EXPECT_EQ(ViolationsOf(ValidateNewReturn(none))[0].field, "return.complaint");
  Return bulk = none;
  bulk.bulk = true;
  EXPECT_TRUE(ValidateNewReturn(bulk).ok());
  bulk.complaint = Draft().complaint;
  EXPECT_EQ(ViolationsOf(ValidateNewReturn(bulk))[0].field, "return.complaint");
  Return bad = Draft();
  bad.lines[1].announced = 0;
  bad.lines[1].reason_code.clear();
  std::vector<std::string> fields;
  for (const auto& f : ViolationsOf(ValidateNewReturn(bad))) fields.push_back(f.field);
  EXPECT_THAT(fields,
              ElementsAre("return.lines[1].reason_code", "return.lines[1].announced_quantity"));
}

TEST(ReturnNumbers, ReadAsThePlantPrintsThem) {
  EXPECT_EQ(FormatNumber("SZ1", 2026, 42), "SZ1-R-2026-00042");
}

TEST(ReturnStatistics, MonthlyFiguresPerCustomerCountDispositionsNoTroubleFoundAndReworkOnTime) {
  Return a = Closed();
  a.create_time = absl::FromCivil(absl::CivilSecond(2026, 3, 31, 23, 0, 0), absl::UTCTimeZone());
  Return b = Must(Received(), NoTroubleFound(1, 0)).record;
  b.create_time = a.create_time;
  // 23:00 UTC on 31 March is 1 April in Shanghai: one month there.
  const auto rows = Summarize({a, b}, absl::FixedTimeZone(8 * 3600));
  ASSERT_EQ(rows.size(), 1u);
  EXPECT_EQ(rows[0].month, "2026-04");
  EXPECT_EQ(rows[0].returns, 2);
  EXPECT_EQ(rows[0].quantity, 30);
  EXPECT_EQ(rows[0].disposed.rework, 6);
  EXPECT_EQ(rows[0].disposed.scrap, 4);
  EXPECT_EQ(rows[0].disposed.concession, 5);
  EXPECT_EQ(rows[0].lines_confirmed, 3);
  EXPECT_EQ(rows[0].lines_no_trouble_found, 1);
  EXPECT_DOUBLE_EQ(rows[0].NoTroubleFoundRate(), 1.0 / 3);
}

TEST(ReturnDocuments, TheReceiptAndTheReworkOrderAreEscapedAndInThePlantsTime) {
  Return r = Registered();
  r.customer = "<script>alert(1)</script>";
  r = Must(r, RecordReceiptStep{{"WH-<1>", {{1, 10}}, "box \"crushed\"", "", {}}}).record;
  auto receipt = ReceiptDocument(r, "WH-<1>", absl::FixedTimeZone(8 * 3600));
  ASSERT_TRUE(receipt.ok());
  EXPECT_THAT(*receipt, HasSubstr("&lt;script&gt;"));
  EXPECT_THAT(*receipt, Not(HasSubstr("<script>")));
  EXPECT_THAT(*receipt, HasSubstr("box &quot;crushed&quot;"));
  EXPECT_THAT(*receipt,
              HasSubstr(absl::FormatTime("%Y-%m-%d %H:%M", kNow, absl::FixedTimeZone(8 * 3600))));
  EXPECT_EQ(ReceiptDocument(r, "WH-2", absl::UTCTimeZone()).status().code(),
            absl::StatusCode::kNotFound);
  EXPECT_EQ(ReworkOrderDocument(r, 1, absl::UTCTimeZone()).status().code(),
            absl::StatusCode::kNotFound);
}

}  // namespace
}  // namespace qms::returns
