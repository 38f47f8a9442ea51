// The 8D lifecycle over real gRPC against the real MariaDB: state, history, and the outbox rows
// that start and stop the response timers.
#include <gmock/gmock.h>

#include <thread>

#include "absl/time/civil_time.h"
#include "absl/time/clock.h"
#include "tests/complaints/service_fixture.h"

namespace qms::complaints {
namespace {

using ::testing::ElementsAre;
using ::testing::IsEmpty;
using Stub = v1::ComplaintService::Stub;

constexpr char kQuality[] = "quality";
constexpr char kGm[] = "general_manager";

std::string DateIn(int days) {
  return absl::FormatCivilTime(absl::ToCivilDay(absl::Now(), absl::UTCTimeZone()) + days);
}

v1::Action MakeAction(const std::string& what) {
  v1::Action a;
  a.set_description(what);
  a.set_responsible_department("Production");
  a.set_owner("Zhang San");
  a.set_due_date(DateIn(14));
  return a;
}

class LifecycleTest : public ComplaintServiceTest {
 protected:
  v1::Complaint Register(const std::string& customer = "ACME") {
    v1::CreateComplaintRequest request;
    request.set_parent("plants/SZ1");
    *request.mutable_complaint() = ValidComplaint();
    request.mutable_complaint()->set_customer(customer);
    v1::Complaint created;
    grpc::Status s = As("sales@sz1", "sales", &Stub::CreateComplaint, request, &created);
    EXPECT_TRUE(s.ok()) << s.error_message();
    return created;
  }

  grpc::Status Triage(const v1::Complaint& c, v1::Complaint* out, const std::string& etag = "") {
    v1::TriageComplaintRequest r;
    r.set_name(c.name());
    r.set_etag(etag);
    r.mutable_triage()->set_responsible_department("Production");
    r.mutable_triage()->set_severity(v1::MAJOR);
    r.mutable_triage()->mutable_problem()->set_what("scratches on housing");
    auto* member = r.mutable_triage()->add_team();
    member->set_name("Li Si");
    member->set_department("Quality");
    return As("qe@sz1", kQuality, &Stub::TriageComplaint, r, out);
  }
  grpc::Status Contain(const v1::Complaint& c, v1::Complaint* out) {
    v1::SubmitContainmentRequest r;
    r.set_name(c.name());
    *r.mutable_containment()->add_actions() = MakeAction("sort stock at site and in transit");
    r.mutable_containment()->set_quantity_sorted_at_site(480);
    return As("qe@sz1", kQuality, &Stub::SubmitContainment, r, out);
  }
  grpc::Status FindRootCause(const v1::Complaint& c, v1::Complaint* out) {
    v1::SubmitRootCauseRequest r;
    r.set_name(c.name());
    r.mutable_root_cause()->add_why_occurred("fixture worn");
    r.mutable_root_cause()->add_why_not_detected("no cosmetic check");
    r.mutable_root_cause()->add_why_not_prevented("fixture not in PM plan");
    r.mutable_root_cause()->set_category(v1::MACHINE);
    return As("pe@sz1", "responsible_department", &Stub::SubmitRootCause, r, out);
  }
  grpc::Status ProposeActions(const v1::Complaint& c, v1::Complaint* out) {
    v1::SubmitActionsRequest r;
    r.set_name(c.name());
    *r.add_corrective_actions() = MakeAction("replace fixture");
    *r.add_preventive_actions() = MakeAction("add fixture to PM plan");
    return As("pe@sz1", "responsible_department", &Stub::SubmitActions, r, out);
  }
  grpc::Status Approve(const v1::Complaint& c, v1::Complaint* out, const std::string& roles = kGm) {
    v1::DecideActionsRequest r;
    r.set_name(c.name());
    r.set_comments("agreed");
    return As("gm@sz1", roles, &Stub::ApproveActions, r, out);
  }
  grpc::Status ReplyToCustomer(const v1::Complaint& c, v1::Complaint* out) {
    v1::ReplyToCustomerRequest r;
    r.set_name(c.name());
    r.set_text("8D report attached");
    r.set_improvement_date(DateIn(30));
    return As("sales@sz1", "sales", &Stub::ReplyToCustomer, r, out);
  }
  grpc::Status Verify(const v1::Complaint& c, bool effective, v1::Complaint* out) {
    v1::VerifyEffectivenessRequest r;
    r.set_name(c.name());
    r.set_effective(effective);
    if (!effective) {
      r.set_notes("scratches again in lot 12");
      r.set_new_improvement_date(DateIn(60));
    }
    return As("qe@sz1", kQuality, &Stub::VerifyEffectiveness, r, out);
  }
  grpc::Status Reopen(const v1::Complaint& c, v1::Complaint* out) {
    v1::ReopenComplaintRequest r;
    r.set_name(c.name());
    r.set_reason("customer not satisfied with the reply");
    return As("sales@sz1", "sales", &Stub::ReopenComplaint, r, out);
  }

  // Runs every step up to the reply and returns the complaint in REPLIED.
  v1::Complaint Replied(const std::string& customer = "ACME") {
    v1::Complaint c = Register(customer);
    EXPECT_TRUE(Triage(c, &c).ok());
    EXPECT_TRUE(Contain(c, &c).ok());
    EXPECT_TRUE(FindRootCause(c, &c).ok());
    EXPECT_TRUE(ProposeActions(c, &c).ok());
    EXPECT_TRUE(Approve(c, &c).ok());
    EXPECT_TRUE(ReplyToCustomer(c, &c).ok());
    EXPECT_EQ(c.status(), v1::REPLIED);
    return c;
  }
};

TEST_F(LifecycleTest, HappyPathToClosedStartsAndStopsEachTimerOnce) {
  v1::Complaint c = Register();
  const std::string n = c.name();
  EXPECT_THAT(Outbox(), ElementsAre("arm complaint.containment " + n,
                                    "arm complaint.corrective_action " + n));
  ASSERT_TRUE(Triage(c, &c).ok());
  EXPECT_EQ(c.status(), v1::TRIAGED);
  EXPECT_EQ(Outbox().size(), 2u) << "the meeting starts no timer";
  ASSERT_TRUE(Contain(c, &c).ok());
  EXPECT_EQ(c.status(), v1::CONTAINED);
  EXPECT_TRUE(c.has_contain_time());
  EXPECT_EQ(Outbox().back(), "disarm complaint.containment " + n);
  ASSERT_TRUE(FindRootCause(c, &c).ok());
  ASSERT_TRUE(ProposeActions(c, &c).ok());
  EXPECT_EQ(c.status(), v1::ACTIONS_PROPOSED);
  EXPECT_EQ(Outbox().size(), 3u);
  ASSERT_TRUE(Approve(c, &c).ok());
  EXPECT_EQ(c.status(), v1::APPROVED);
  ASSERT_EQ(c.decisions_size(), 1);
  EXPECT_EQ(c.decisions(0).decided_by(), "gm@sz1");
  ASSERT_TRUE(ReplyToCustomer(c, &c).ok());
  EXPECT_EQ(c.status(), v1::REPLIED);
  ASSERT_TRUE(Verify(c, true, &c).ok());
  EXPECT_EQ(c.status(), v1::CLOSED);
  EXPECT_TRUE(c.has_close_time());
  EXPECT_THAT(
      Outbox(),
      ElementsAre("arm complaint.containment " + n, "arm complaint.corrective_action " + n,
                  "disarm complaint.containment " + n, "disarm complaint.corrective_action " + n,
                  "arm complaint.verification " + n + "/verifications/1",
                  "disarm complaint.verification " + n + "/verifications/1"));
  EXPECT_EQ(c.etag(), "8");

  v1::Complaint stored;
  ASSERT_TRUE(Get(n, &stored).ok());
  EXPECT_EQ(stored.SerializeAsString(), c.SerializeAsString()) << "what was returned was stored";
  EXPECT_EQ(stored.containment().quantity_sorted_at_site(), 480);
  EXPECT_EQ(stored.root_cause().category(), v1::MACHINE);
  EXPECT_EQ(stored.triage().team(0).name(), "Li Si");

  v1::ListComplaintHistoryRequest h;
  h.set_name(n);
  v1::ListComplaintHistoryResponse history;
  ASSERT_TRUE(As("auditor", "auditor", &Stub::ListComplaintHistory, h, &history).ok());
  std::vector<std::string> lines;
  for (const auto& e : history.entries()) {
    lines.push_back(absl::StrCat(e.action(), " ", e.actor(), " ",
                                 v1::ComplaintStatus_Name(e.from_status()), "->",
                                 v1::ComplaintStatus_Name(e.to_status())));
  }
  EXPECT_THAT(lines, ElementsAre("CreateComplaint sales@sz1 COMPLAINT_STATUS_UNSPECIFIED->RECEIVED",
                                 "TriageComplaint qe@sz1 RECEIVED->TRIAGED",
                                 "SubmitContainment qe@sz1 TRIAGED->CONTAINED",
                                 "SubmitRootCause pe@sz1 CONTAINED->ROOT_CAUSE_IDENTIFIED",
                                 "SubmitActions pe@sz1 ROOT_CAUSE_IDENTIFIED->ACTIONS_PROPOSED",
                                 "ApproveActions gm@sz1 ACTIONS_PROPOSED->APPROVED",
                                 "ReplyToCustomer sales@sz1 APPROVED->REPLIED",
                                 "VerifyEffectiveness qe@sz1 REPLIED->CLOSED"));
  EXPECT_NE(history.entries(2).details().find("\"containment\""), std::string::npos)
      << "the history says what changed: " << history.entries(2).details();
}

TEST_F(LifecycleTest, HistoryPages) {
  v1::Complaint c = Replied();
  v1::ListComplaintHistoryRequest h;
  h.set_name(c.name());
  h.set_page_size(3);
  std::vector<int> sizes;
  do {
    v1::ListComplaintHistoryResponse page;
    ASSERT_TRUE(As("auditor", "auditor", &Stub::ListComplaintHistory, h, &page).ok());
    sizes.push_back(page.entries_size());
    h.set_page_token(page.next_page_token());
  } while (!h.page_token().empty());
  EXPECT_THAT(sizes, ElementsAre(3, 3, 1));
}

TEST_F(LifecycleTest, NotEffectiveSetsANewImprovementDateAndRestartsVerification) {
  v1::Complaint c = Replied();
  const std::string n = c.name();
  ASSERT_TRUE(Verify(c, false, &c).ok());
  EXPECT_EQ(c.status(), v1::REPLIED);
  EXPECT_EQ(c.improvement_date(), DateIn(60));
  EXPECT_FALSE(c.has_close_time());
  auto outbox = Outbox();
  ASSERT_GE(outbox.size(), 2u);
  EXPECT_EQ(outbox[outbox.size() - 2], "disarm complaint.verification " + n + "/verifications/1");
  EXPECT_EQ(outbox.back(), "arm complaint.verification " + n + "/verifications/2");
  ASSERT_TRUE(Verify(c, true, &c).ok());
  EXPECT_EQ(c.status(), v1::CLOSED);
  EXPECT_EQ(Outbox().back(), "disarm complaint.verification " + n + "/verifications/2");
}

TEST_F(LifecycleTest, ReopenTwiceGivesDashOneAndDashTwoLinkedBothWays) {
  v1::Complaint original = Replied();
  v1::Complaint first;
  ASSERT_TRUE(Reopen(original, &first).ok());
  EXPECT_EQ(first.number(), original.number() + "-1");
  EXPECT_EQ(first.status(), v1::RECEIVED);
  EXPECT_EQ(first.reopened_from(), original.name());
  EXPECT_EQ(first.customer(), original.customer());
  EXPECT_FALSE(first.has_triage()) << "a fresh 8D record";
  ASSERT_TRUE(Get(original.name(), &original).ok());
  EXPECT_EQ(original.status(), v1::REOPENED);
  EXPECT_EQ(original.reopened_as(), first.name());
  auto outbox = Outbox();
  EXPECT_THAT(std::vector<std::string>(outbox.end() - 3, outbox.end()),
              ElementsAre("disarm complaint.verification " + original.name() + "/verifications/1",
                          "arm complaint.containment " + first.name(),
                          "arm complaint.corrective_action " + first.name()))
      << "the continuation starts fresh timers";

  // Take "-1" through to a reply and reopen it again: "-2", continuing "-1".
  ASSERT_TRUE(Triage(first, &first).ok());
  ASSERT_TRUE(Contain(first, &first).ok());
  ASSERT_TRUE(FindRootCause(first, &first).ok());
  ASSERT_TRUE(ProposeActions(first, &first).ok());
  ASSERT_TRUE(Approve(first, &first).ok());
  ASSERT_TRUE(ReplyToCustomer(first, &first).ok());
  ASSERT_TRUE(Verify(first, true, &first).ok());
  v1::Complaint second;
  ASSERT_TRUE(Reopen(first, &second).ok());
  EXPECT_EQ(second.number(), original.number() + "-2");
  EXPECT_EQ(second.reopened_from(), first.name());
  ASSERT_TRUE(Get(first.name(), &first).ok());
  EXPECT_EQ(first.reopened_as(), second.name());

  v1::Complaint again;
  EXPECT_EQ(Reopen(original, &again).error_code(), grpc::FAILED_PRECONDITION)
      << "a reopened complaint is continued, not reopened twice";
}

TEST_F(LifecycleTest, OnlyTheGeneralManagerApprovesAndARefusalWritesNothing) {
  v1::Complaint c = Register();
  ASSERT_TRUE(Triage(c, &c).ok());
  ASSERT_TRUE(Contain(c, &c).ok());
  ASSERT_TRUE(FindRootCause(c, &c).ok());
  ASSERT_TRUE(ProposeActions(c, &c).ok());
  const auto outbox = Outbox();
  const int64_t history = db_.Count("SELECT COUNT(*) FROM complaint_history");
  v1::Complaint out;
  EXPECT_EQ(Approve(c, &out, kQuality).error_code(), grpc::PERMISSION_DENIED);
  v1::Complaint stored;
  ASSERT_TRUE(Get(c.name(), &stored).ok());
  EXPECT_EQ(stored.etag(), c.etag());
  EXPECT_EQ(Outbox(), outbox);
  EXPECT_EQ(db_.Count("SELECT COUNT(*) FROM complaint_history"), history);
}

TEST_F(LifecycleTest, AStepFromTheWrongStateIsFailedPreconditionAndWritesNothing) {
  v1::Complaint c = Register();
  const auto outbox = Outbox();
  v1::Complaint out;
  grpc::Status s = Contain(c, &out);
  EXPECT_EQ(s.error_code(), grpc::FAILED_PRECONDITION);
  EXPECT_NE(s.error_message().find("RECEIVED"), std::string::npos) << s.error_message();
  EXPECT_NE(s.error_message().find("CONTAINED"), std::string::npos) << s.error_message();
  EXPECT_EQ(Outbox(), outbox) << "no timer may stop for a step that did not happen";
  EXPECT_EQ(db_.Count("SELECT COUNT(*) FROM complaint_history"), 1);
}

TEST_F(LifecycleTest, OutboxRowsCommitOnlyWithTheirTransaction) {
  v1::Complaint c = Register();
  ASSERT_TRUE(Triage(c, &c).ok());
  const auto outbox = Outbox();
  // Break the history table so that the step fails after its UPDATE, inside the transaction.
  db_.Execute("RENAME TABLE complaint_history TO complaint_history_away");
  v1::Complaint out;
  grpc::Status failed = Contain(c, &out);
  db_.Execute("RENAME TABLE complaint_history_away TO complaint_history");
  EXPECT_EQ(failed.error_code(), grpc::INTERNAL);
  v1::Complaint stored;
  ASSERT_TRUE(Get(c.name(), &stored).ok());
  EXPECT_EQ(stored.status(), v1::TRIAGED) << "the UPDATE was rolled back";
  EXPECT_EQ(Outbox(), outbox) << "the disarm was rolled back with it";
  ASSERT_TRUE(Contain(c, &out).ok());
  EXPECT_EQ(Outbox().back(), "disarm complaint.containment " + c.name());
}

TEST_F(LifecycleTest, AStaleEtagIsAbortedAndOnlyOneOfTwoRacersWins) {
  v1::Complaint c = Register();
  v1::Complaint out;
  EXPECT_EQ(Triage(c, &out, "99").error_code(), grpc::ABORTED);
  constexpr int kRacers = 4;
  std::vector<grpc::Status> results(kRacers);
  std::vector<std::thread> racers;
  for (int i = 0; i < kRacers; ++i) {
    racers.emplace_back([&, i] {
      v1::Complaint mine;
      results[i] = Triage(c, &mine, c.etag());
    });
  }
  for (auto& t : racers) t.join();
  int ok = 0, aborted = 0, other = 0;
  for (const auto& r : results) {
    if (r.ok()) {
      ++ok;
    } else if (r.error_code() == grpc::ABORTED) {
      ++aborted;
    } else {
      ++other;
    }
  }
  EXPECT_EQ(ok, 1);
  EXPECT_EQ(aborted, kRacers - 1);
  EXPECT_EQ(other, 0);
  EXPECT_EQ(db_.Count("SELECT COUNT(*) FROM complaint_history WHERE action = 'TriageComplaint'"),
            1);
}

TEST_F(LifecycleTest, StepInputIsValidatedNamingTheField) {
  v1::Complaint c = Register();
  v1::TriageComplaintRequest r;
  r.set_name(c.name());
  r.mutable_triage()->set_severity(static_cast<v1::Severity>(42));
  v1::Complaint out;
  grpc::Status s = As("qe", kQuality, &Stub::TriageComplaint, r, &out);
  EXPECT_EQ(s.error_code(), grpc::INVALID_ARGUMENT);
  EXPECT_THAT(ViolatedFields(s), ElementsAre("triage.severity"));
  v1::SubmitContainmentRequest bad;
  bad.set_name("plants/SZ1/complaints/" + c.number() + "/x");
  EXPECT_EQ(As("qe", kQuality, &Stub::SubmitContainment, bad, &out).error_code(),
            grpc::INVALID_ARGUMENT);
  bad.set_name("plants/SZ1/complaints/SZ1-1999-00001");
  *bad.mutable_containment()->add_actions() = MakeAction("sort");
  EXPECT_EQ(As("qe", kQuality, &Stub::SubmitContainment, bad, &out).error_code(), grpc::NOT_FOUND);
}

// --- serious complaints -------------------------------------------------------------------

class SeriousTest : public LifecycleTest {
 protected:
  v1::Complaint RegisterWith(const std::string& customer, const std::string& defect_code,
                             bool returned = false, absl::Duration ago = absl::ZeroDuration()) {
    v1::CreateComplaintRequest request;
    request.set_parent("plants/SZ1");
    *request.mutable_complaint() = ValidComplaint();
    request.mutable_complaint()->set_customer(customer);
    request.mutable_complaint()->set_defect_code(defect_code);
    request.mutable_complaint()->set_goods_returned(returned);
    if (ago > absl::ZeroDuration()) {
      request.mutable_complaint()->mutable_received_time()->set_seconds(
          absl::ToUnixSeconds(absl::Now() - ago));
    }
    v1::Complaint created;
    grpc::Status s = As("sales", "sales", &Stub::CreateComplaint, request, &created);
    EXPECT_TRUE(s.ok()) << s.error_message();
    return created;
  }
};

TEST_F(SeriousTest, ThirdComplaintOfACustomerIsSeriousTheSecondIsNot) {
  EXPECT_THAT(RegisterWith("BOSCH", "").serious_reasons(), IsEmpty());
  EXPECT_THAT(RegisterWith("BOSCH", "").serious_reasons(), IsEmpty());
  v1::Complaint third = RegisterWith("BOSCH", "");
  EXPECT_THAT(third.serious_reasons(), ElementsAre(v1::REPEATED_BY_CUSTOMER));
  EXPECT_EQ(Outbox().back(), "escalate complaint.serious " + third.name());
  EXPECT_EQ(db_.Count("SELECT COUNT(*) FROM outbox WHERE kind = 'escalate'"), 1);
}

TEST_F(SeriousTest, ComplaintsOutsideTheTwelveMonthWindowDoNotCount) {
  RegisterWith("BOSCH", "", false, absl::Hours(24 * 400));
  RegisterWith("BOSCH", "", false, absl::Hours(24 * 390));
  EXPECT_THAT(RegisterWith("BOSCH", "").serious_reasons(), IsEmpty());
  EXPECT_THAT(RegisterWith("BOSCH", "").serious_reasons(), IsEmpty());
  EXPECT_THAT(RegisterWith("BOSCH", "").serious_reasons(), ElementsAre(v1::REPEATED_BY_CUSTOMER));
}

TEST_F(SeriousTest, SameDefectFromASecondCustomerIsSeriousFromTheSameOneIsNot) {
  EXPECT_THAT(RegisterWith("ACME", "D-SCRATCH").serious_reasons(), IsEmpty());
  EXPECT_THAT(RegisterWith("ACME", "D-SCRATCH").serious_reasons(), IsEmpty())
      << "one customer twice is not several customers";
  EXPECT_THAT(RegisterWith("BOSCH", "D-BURR").serious_reasons(), IsEmpty())
      << "another defect code";
  EXPECT_THAT(RegisterWith("BOSCH", "D-SCRATCH").serious_reasons(),
              ElementsAre(v1::SAME_DEFECT_SEVERAL_CUSTOMERS));
}

TEST_F(SeriousTest, AReturnMakesItSerious) {
  EXPECT_THAT(RegisterWith("ACME", "", true).serious_reasons(),
              ElementsAre(v1::RETURN_OR_EXCHANGE));
  EXPECT_THAT(RegisterWith("BOSCH", "", false).serious_reasons(), IsEmpty());
}

TEST_F(LifecycleTest, OverdueOnlyListsOpenComplaintsPastTheirContainment) {
  // Received now: nothing is due yet. Received 30 hours ago (on the database clock): its 24 h
  // containment is past due until it is contained.
  const absl::Time now = absl::FromUnixSeconds(db_.Count("SELECT UNIX_TIMESTAMP()"));
  auto received = [&](absl::Duration ago) {
    v1::CreateComplaintRequest request;
    request.set_parent("plants/SZ1");
    *request.mutable_complaint() = ValidComplaint();
    request.mutable_complaint()->mutable_received_time()->set_seconds(
        absl::ToUnixSeconds(now - ago));
    v1::Complaint created;
    EXPECT_TRUE(As("sales@sz1", "sales", &Stub::CreateComplaint, request, &created).ok());
    return created;
  };
  received(absl::ZeroDuration());
  const v1::Complaint late = received(absl::Hours(30));
  const v1::Complaint contained_late = received(absl::Hours(30));
  v1::Complaint out;
  ASSERT_TRUE(Triage(contained_late, &out).ok());
  ASSERT_TRUE(Contain(contained_late, &out).ok());

  auto overdue = [&] {
    v1::ListComplaintsRequest list;
    list.set_parent("plants/SZ1");
    list.set_overdue_only(true);
    v1::ListComplaintsResponse listed;
    EXPECT_TRUE(List(list, &listed).ok());
    std::vector<std::string> names;
    for (const auto& c : listed.complaints()) names.push_back(c.name());
    return names;
  };
  EXPECT_THAT(overdue(), ElementsAre(late.name()));
  ASSERT_TRUE(Triage(late, &out).ok());
  ASSERT_TRUE(Contain(late, &out).ok());
  EXPECT_THAT(overdue(), IsEmpty()) << "contained, the corrective action not yet due";
}

}  // namespace
}  // namespace qms::complaints
