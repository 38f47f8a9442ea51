// The returns service as its binary wires it, in process, against the test MariaDB, with the
// complaints service it checks and tells (also in process, on its own database): the handlers,
// the store, the outbox to complaints.
#include <grpcpp/grpcpp.h>
#include <gtest/gtest.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <set>
#include <thread>

#include "absl/flags/declare.h"
#include "absl/flags/flag.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/time/clock.h"
#include "common/proto_time.h"
#include "qms/complaints/v1/complaints.grpc.pb.h"
#include "qms/returns/v1/returns.grpc.pb.h"
#include "services/complaints/wiring.h"
#include "services/returns/wiring.h"
#include "tests/support/eventually.h"
#include "tests/support/in_process_service.h"
#include "tests/support/loopback_server.h"
#include "tests/support/rich_error.h"
#include "tests/support/tokens.h"

ABSL_DECLARE_FLAG(std::string, complaints_target);
ABSL_DECLARE_FLAG(std::string, service_token_file);

namespace qms::returns {
namespace {

namespace cv1 = qms::complaints::v1;
using testing::Eventually;
using testing::ViolatedFields;

// Calls `method` of `stub` with `token` (every role in every plant when empty).
template <class Stub, class Request, class Response>
grpc::Status Call(Stub& stub,
                  grpc::Status (Stub::*method)(grpc::ClientContext*, const Request&, Response*),
                  const Request& request, Response* response, const std::string& token = "") {
  grpc::ClientContext context;
  testing::Authorize(context, token);
  return (stub.*method)(&context, request, response);
}

v1::CreateReturnRequest NewReturn(const std::string& complaint, const std::string& customer) {
  v1::CreateReturnRequest r;
  r.set_parent("plants/SZ1");
  r.mutable_return_()->set_customer(customer);
  if (complaint.empty()) {
    r.mutable_return_()->set_bulk(true);
  } else {
    r.mutable_return_()->set_complaint(complaint);
  }
  v1::ReturnLine* a = r.mutable_return_()->add_lines();
  a->set_part_number("PN-100");
  a->add_lots("L-1");
  a->set_order_number("SO-9");
  a->set_announced_quantity(10);
  a->set_reason_code("BURR");
  v1::ReturnLine* b = r.mutable_return_()->add_lines();
  b->set_part_number("PN-200");
  b->set_announced_quantity(4);
  b->set_reason_code("SCRATCH");
  return r;
}

class ReturnServiceTest : public ::testing::Test {
 protected:
  void SetUp() override {
    absl::SetFlag(&FLAGS_service_token_file, testing::ServiceTokenFile());
    ASSERT_TRUE(complaints_service_.Start().ok());
    complaints_ = complaints_service_.Stub<cv1::ComplaintService>();
    absl::SetFlag(&FLAGS_complaints_target, complaints_service_.address());
    ASSERT_TRUE(service_.Start().ok());
    stub_ = service_.Stub<v1::ReturnService>();
  }

  // A complaint of `customer` in SZ1: its name.
  std::string NewComplaint(const std::string& customer = "ACME") {
    cv1::CreateComplaintRequest r;
    r.set_parent("plants/SZ1");
    r.mutable_complaint()->set_customer(customer);
    r.mutable_complaint()->set_part_number("PN-100");
    r.mutable_complaint()->set_defect_description("burr");
    r.mutable_complaint()->set_channel(cv1::WRITTEN);
    cv1::Complaint c;
    EXPECT_TRUE(Call(*complaints_, &cv1::ComplaintService::Stub::CreateComplaint, r, &c).ok());
    return c.name();
  }
  cv1::Complaint Complaint(const std::string& name) {
    cv1::GetComplaintRequest r;
    r.set_name(name);
    cv1::Complaint c;
    EXPECT_TRUE(Call(*complaints_, &cv1::ComplaintService::Stub::GetComplaint, r, &c).ok());
    return c;
  }
  grpc::Status Create(const v1::CreateReturnRequest& r, v1::Return* out) {
    return Call(*stub_, &v1::ReturnService::Stub::CreateReturn, r, out);
  }
  v1::Return MustCreate(const v1::CreateReturnRequest& r) {
    v1::Return out;
    const grpc::Status st = Create(r, &out);
    EXPECT_TRUE(st.ok()) << st.error_message();
    return out;
  }
  template <class Request>
  grpc::Status Step(grpc::Status (v1::ReturnService::Stub::*method)(grpc::ClientContext*,
                                                                    const Request&, v1::Return*),
                    const Request& r, v1::Return* out) {
    return Call(*stub_, method, r, out);
  }
  v1::Return Receive(const v1::Return& r, const std::string& receipt, int64_t a, int64_t b) {
    v1::RecordReceiptRequest req;
    req.set_name(r.name());
    req.mutable_receipt()->set_receipt_number(receipt);
    auto* l1 = req.mutable_receipt()->add_lines();
    l1->set_line(1);
    l1->set_quantity(a);
    auto* l2 = req.mutable_receipt()->add_lines();
    l2->set_line(2);
    l2->set_quantity(b);
    v1::Return out;
    const grpc::Status st = Step(&v1::ReturnService::Stub::RecordReceipt, req, &out);
    EXPECT_TRUE(st.ok()) << st.error_message();
    return out;
  }
  v1::Return Confirm(const v1::Return& r, int line, int64_t n) {
    v1::ConfirmQualityRequest req;
    req.set_name(r.name());
    req.set_line(line);
    req.set_result(v1::DEFECT_CONFIRMED);
    req.set_nonconforming_quantity(n);
    req.set_responsibility(v1::OURS);
    v1::Return out;
    const grpc::Status st = Step(&v1::ReturnService::Stub::ConfirmQuality, req, &out);
    EXPECT_TRUE(st.ok()) << st.error_message();
    return out;
  }
  std::vector<std::string> Outbox(const std::string& kind) {
    return service_.db().Rows(
        absl::StrCat("SELECT subject, detail FROM outbox WHERE kind = '", kind, "' ORDER BY id"));
  }

  testing::InProcessService complaints_service_{complaints::Service()};
  testing::InProcessService service_{Service()};
  std::unique_ptr<cv1::ComplaintService::Stub> complaints_;
  std::unique_ptr<v1::ReturnService::Stub> stub_;
};

TEST_F(ReturnServiceTest, AReturnOfAComplaintIsNumberedAndMakesTheComplaintSerious) {
  const std::string complaint = NewComplaint();
  ASSERT_TRUE(Complaint(complaint).serious_reasons().empty());
  const v1::Return r = MustCreate(NewReturn(complaint, "ACME"));
  const std::string year = absl::FormatTime("%Y", absl::Now(), absl::UTCTimeZone());
  EXPECT_EQ(r.number(), absl::StrCat("SZ1-R-", year, "-00001"));
  EXPECT_EQ(r.name(), "plants/SZ1/returns/" + r.number());
  EXPECT_EQ(r.state(), v1::REGISTERED);
  EXPECT_EQ(r.lines(1).line(), 2);
  EXPECT_EQ(r.lines(0).undisposed_quantity(), 0);
  // The outbox told complaints; it became serious for the return, and recorded it.
  ASSERT_TRUE(Eventually([&] { return Complaint(complaint).serious_reasons_size() == 1; }));
  const cv1::Complaint after = Complaint(complaint);
  EXPECT_EQ(after.serious_reasons(0), cv1::RETURN_OR_EXCHANGE);
  EXPECT_TRUE(after.goods_returned());
  cv1::ListComplaintHistoryRequest h;
  h.set_name(complaint);
  cv1::ListComplaintHistoryResponse history;
  ASSERT_TRUE(
      Call(*complaints_, &cv1::ComplaintService::Stub::ListComplaintHistory, h, &history).ok());
  ASSERT_EQ(history.entries_size(), 2);
  EXPECT_EQ(history.entries(1).action(), "RecordReturn");
  EXPECT_NE(history.entries(1).details().find(r.name()), std::string::npos);
  // The escalation is in complaints' outbox for notifications.
  EXPECT_EQ(complaints_service_.db().Count(
                "SELECT COUNT(*) FROM outbox WHERE kind = 'escalate' AND policy = "
                "'complaint.serious'"),
            1);
}

TEST_F(ReturnServiceTest, ComplaintsToldTwiceOfOneReturnRecordsItOnce) {
  const std::string complaint = NewComplaint();
  const v1::Return r = MustCreate(NewReturn(complaint, "ACME"));
  ASSERT_TRUE(Eventually([&] { return Complaint(complaint).serious_reasons_size() == 1; }));
  const std::string etag = Complaint(complaint).etag();
  // As the relay does after a crash between its send and its commit: the same call again.
  cv1::RecordReturnRequest again;
  again.set_name(complaint);
  again.set_return_name(r.name());
  cv1::Complaint out;
  const std::string service = testing::TestToken("returns", {"service"});
  ASSERT_TRUE(
      Call(*complaints_, &cv1::ComplaintService::Stub::RecordReturn, again, &out, service).ok());
  EXPECT_EQ(out.etag(), etag);
  EXPECT_EQ(complaints_service_.db().Count("SELECT COUNT(*) FROM complaint_history WHERE action "
                                           "= 'RecordReturn'"),
            1);
  // Only the service role may tell it.
  const grpc::Status quality = Call(*complaints_, &cv1::ComplaintService::Stub::RecordReturn, again,
                                    &out, testing::TestToken("qe", {"quality"}));
  EXPECT_EQ(quality.error_code(), grpc::StatusCode::PERMISSION_DENIED);
}

TEST_F(ReturnServiceTest, AReturnNamingAnotherCustomersOrPlantsComplaintIsRefusedNamingTheField) {
  const std::string complaint = NewComplaint("ACME");
  v1::Return out;
  grpc::Status other_customer = Create(NewReturn(complaint, "GLOBEX"), &out);
  EXPECT_EQ(other_customer.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_EQ(ViolatedFields(other_customer), std::vector<std::string>{"return.complaint"});
  EXPECT_NE(other_customer.error_message().find("ACME"), std::string::npos);
  grpc::Status other_plant =
      Create(NewReturn("plants/SZ2/complaints/SZ2-2026-00001", "ACME"), &out);
  EXPECT_EQ(other_plant.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_EQ(ViolatedFields(other_plant), std::vector<std::string>{"return.complaint"});
  grpc::Status missing = Create(NewReturn("plants/SZ1/complaints/SZ1-2020-99999", "ACME"), &out);
  EXPECT_EQ(missing.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_EQ(ViolatedFields(missing), std::vector<std::string>{"return.complaint"});
  // Nothing was written, no number taken.
  EXPECT_EQ(service_.db().Count("SELECT COUNT(*) FROM returns"), 0);
  EXPECT_EQ(service_.db().Count("SELECT COUNT(*) FROM outbox"), 0);
  EXPECT_EQ(MustCreate(NewReturn(complaint, "ACME")).number().substr(11), "00001");
}

TEST_F(ReturnServiceTest, ARetriedCreateReturnsTheFirstAndTakesNoNumber) {
  const std::string complaint = NewComplaint();
  v1::CreateReturnRequest r = NewReturn(complaint, "ACME");
  r.set_request_id("mes-4711");
  const v1::Return first = MustCreate(r);
  const v1::Return again = MustCreate(r);
  EXPECT_EQ(again.name(), first.name());
  r.mutable_return_()->mutable_lines(0)->set_announced_quantity(11);
  v1::Return out;
  EXPECT_EQ(Create(r, &out).error_code(), grpc::StatusCode::ALREADY_EXISTS);
  r.set_request_id("mes-4712");
  EXPECT_EQ(MustCreate(r).number().substr(11), "00002");
  EXPECT_EQ(service_.db().Count("SELECT COUNT(*) FROM returns"), 2);
}

TEST_F(ReturnServiceTest, StepsOverTheApiKeepEtagsRefuseBadQuantitiesAndWriteHistory) {
  const v1::Return created = MustCreate(NewReturn("", "ACME"));
  EXPECT_TRUE(created.bulk());
  v1::Return received = Receive(created, "WH-1", 10, 4);
  EXPECT_EQ(received.state(), v1::RECEIVED);
  EXPECT_TRUE(received.has_next_due_time());
  // The same receipt again changes nothing; a stale etag changes nothing either.
  EXPECT_EQ(Receive(created, "WH-1", 10, 4).etag(), received.etag());
  v1::ConfirmQualityRequest stale;
  stale.set_name(created.name());
  stale.set_etag(created.etag());
  stale.set_line(1);
  stale.set_result(v1::DEFECT_CONFIRMED);
  stale.set_nonconforming_quantity(10);
  stale.set_responsibility(v1::OURS);
  v1::Return out;
  EXPECT_EQ(Step(&v1::ReturnService::Stub::ConfirmQuality, stale, &out).error_code(),
            grpc::StatusCode::ABORTED);
  // Disposition before confirmation: the wrong state, both named.
  v1::DisposeLineRequest dispose;
  dispose.set_name(created.name());
  dispose.set_line(1);
  dispose.mutable_disposition()->set_rework(9);
  const grpc::Status early = Step(&v1::ReturnService::Stub::DisposeLine, dispose, &out);
  EXPECT_EQ(early.error_code(), grpc::StatusCode::FAILED_PRECONDITION);
  EXPECT_NE(early.error_message().find("is RECEIVED, the step needs CONFIRMED"), std::string::npos);
  Confirm(received, 1, 10);
  const v1::Return confirmed = Confirm(received, 2, 4);
  EXPECT_EQ(confirmed.state(), v1::CONFIRMED);
  EXPECT_FALSE(confirmed.has_next_due_time());
  // 9 of 10: refused naming the line.
  const grpc::Status short_one = Step(&v1::ReturnService::Stub::DisposeLine, dispose, &out);
  EXPECT_EQ(short_one.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_EQ(ViolatedFields(short_one), std::vector<std::string>{"disposition"});
  EXPECT_NE(short_one.error_message().find("line 1"), std::string::npos);
  dispose.mutable_disposition()->set_rework(10);
  ASSERT_TRUE(Step(&v1::ReturnService::Stub::DisposeLine, dispose, &out).ok());
  // A rework order without an instruction is refused.
  v1::IssueReworkOrderRequest order;
  order.set_name(created.name());
  order.set_line(1);
  order.set_quantity(10);
  ToProto(absl::Now() + absl::Hours(48), order.mutable_need_time());
  const grpc::Status no_instruction = Step(&v1::ReturnService::Stub::IssueReworkOrder, order, &out);
  EXPECT_EQ(no_instruction.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_EQ(ViolatedFields(no_instruction), std::vector<std::string>{"instruction"});
  order.set_instruction("deburr, 100 % visual inspection");
  ASSERT_TRUE(Step(&v1::ReturnService::Stub::IssueReworkOrder, order, &out).ok());
  EXPECT_EQ(out.rework_orders_size(), 1);
  // The outbox holds the arm and disarm of confirmation and the arm of the rework order, in order.
  EXPECT_EQ(
      service_.db().Rows("SELECT kind, policy FROM outbox ORDER BY id"),
      (std::vector<std::string>{"arm returns.quality_confirmation",
                                "disarm returns.quality_confirmation", "arm returns.rework"}));
  v1::ListReturnHistoryRequest h;
  h.set_name(created.name());
  v1::ListReturnHistoryResponse history;
  ASSERT_TRUE(Call(*stub_, &v1::ReturnService::Stub::ListReturnHistory, h, &history).ok());
  std::vector<std::string> actions;
  for (const auto& e : history.entries()) actions.push_back(e.action());
  EXPECT_EQ(actions,
            (std::vector<std::string>{"CreateReturn", "RecordReceipt", "ConfirmQuality",
                                      "ConfirmQuality", "DisposeLine", "IssueReworkOrder"}));
  EXPECT_EQ(history.entries(1).from_state(), v1::REGISTERED);
  EXPECT_EQ(history.entries(1).to_state(), v1::RECEIVED);
  EXPECT_EQ(history.entries(1).actor(), "tester@qms");
}

TEST_F(ReturnServiceTest, ListsFilterByCustomerPartStateComplaintBulkAndOverdue) {
  const std::string complaint = NewComplaint();
  const v1::Return of_complaint = MustCreate(NewReturn(complaint, "ACME"));
  v1::CreateReturnRequest globex = NewReturn("", "GLOBEX");
  globex.mutable_return_()->mutable_lines(0)->set_part_number("PN-300");
  globex.mutable_return_()->mutable_lines(1)->set_part_number("PN-300");
  const v1::Return bulk = MustCreate(globex);
  Receive(bulk, "WH-1", 10, 4);
  // The confirmation of the bulk return is overdue: its due time placed in the past.
  service_.db().Execute(
      "UPDATE returns SET next_due_time = UTC_TIMESTAMP(6) - INTERVAL 1 HOUR WHERE bulk");
  const auto names = [&](const v1::ListReturnsRequest& q) {
    v1::ListReturnsResponse out;
    const grpc::Status st = Call(*stub_, &v1::ReturnService::Stub::ListReturns, q, &out);
    EXPECT_TRUE(st.ok()) << st.error_message();
    std::vector<std::string> n;
    for (const auto& r : out.returns()) n.push_back(r.name());
    return n;
  };
  v1::ListReturnsRequest q;
  q.set_parent("plants/SZ1");
  EXPECT_EQ(names(q), (std::vector<std::string>{bulk.name(), of_complaint.name()}));
  q.set_customer("ACME");
  EXPECT_EQ(names(q), std::vector<std::string>{of_complaint.name()});
  q.clear_customer();
  q.set_part_number("PN-300");
  EXPECT_EQ(names(q), std::vector<std::string>{bulk.name()});
  q.clear_part_number();
  q.set_state(v1::RECEIVED);
  EXPECT_EQ(names(q), std::vector<std::string>{bulk.name()});
  q.clear_state();
  q.set_complaint(complaint);
  EXPECT_EQ(names(q), std::vector<std::string>{of_complaint.name()});
  q.clear_complaint();
  q.set_bulk(v1::NOT_BULK);
  EXPECT_EQ(names(q), std::vector<std::string>{of_complaint.name()});
  q.set_bulk(v1::BULK_FILTER_UNSPECIFIED);
  q.set_overdue_only(true);
  EXPECT_EQ(names(q), std::vector<std::string>{bulk.name()});
  q.set_overdue_only(false);
  q.set_page_size(1);
  v1::ListReturnsResponse page;
  ASSERT_TRUE(Call(*stub_, &v1::ReturnService::Stub::ListReturns, q, &page).ok());
  ASSERT_FALSE(page.next_page_token().empty());
  q.set_page_token(page.next_page_token());
  EXPECT_EQ(names(q), std::vector<std::string>{of_complaint.name()});
  q.set_customer("ACME");
  v1::ListReturnsResponse out;
  EXPECT_EQ(Call(*stub_, &v1::ReturnService::Stub::ListReturns, q, &out).error_code(),
            grpc::StatusCode::INVALID_ARGUMENT);
}

TEST_F(ReturnServiceTest, TheReceiptAndReworkOrderDocumentsAndTheMonthlyStatisticsAreServed) {
  const v1::Return created = MustCreate(NewReturn("", "ACME"));
  Receive(created, "WH-<7>", 10, 4);
  v1::GetReturnDocumentRequest d;
  d.set_name(created.name());
  d.set_kind(v1::RECEIPT);
  d.set_id("WH-<7>");
  v1::ReturnDocument doc;
  ASSERT_TRUE(Call(*stub_, &v1::ReturnService::Stub::GetReturnDocument, d, &doc).ok());
  EXPECT_EQ(doc.content_type(), "text/html; charset=utf-8");
  EXPECT_NE(doc.content().find("Receipt WH-&lt;7&gt;"), std::string::npos);
  d.set_id("WH-8");
  EXPECT_EQ(Call(*stub_, &v1::ReturnService::Stub::GetReturnDocument, d, &doc).error_code(),
            grpc::StatusCode::NOT_FOUND);
  d.set_kind(v1::REWORK_ORDER);
  d.set_id("one");
  EXPECT_EQ(Call(*stub_, &v1::ReturnService::Stub::GetReturnDocument, d, &doc).error_code(),
            grpc::StatusCode::INVALID_ARGUMENT);

  v1::GetReturnStatisticsRequest s;
  s.set_parent("plants/SZ1");
  const std::string month = absl::FormatTime("%Y-%m", absl::Now(), absl::UTCTimeZone());
  s.set_from_month(month);
  s.set_to_month(month);
  v1::GetReturnStatisticsResponse stats;
  ASSERT_TRUE(Call(*stub_, &v1::ReturnService::Stub::GetReturnStatistics, s, &stats).ok());
  ASSERT_EQ(stats.rows_size(), 1);
  EXPECT_EQ(stats.rows(0).customer(), "ACME");
  EXPECT_EQ(stats.rows(0).returns(), 1);
  EXPECT_EQ(stats.rows(0).quantity(), 14);
  s.set_to_month("1999-01");
  EXPECT_EQ(Call(*stub_, &v1::ReturnService::Stub::GetReturnStatistics, s, &stats).error_code(),
            grpc::StatusCode::INVALID_ARGUMENT);
}

TEST_F(ReturnServiceTest, ConcurrentCreatesShareTransactionsAndTakeGapFreeNumbersOnce) {
  constexpr int kCallers = 24;
  std::vector<std::thread> callers;
  std::vector<std::string> numbers(kCallers * 2);
  for (int c = 0; c < kCallers; ++c) {
    callers.emplace_back([&, c] {
      // Each caller's request twice at once, as a client retrying on a timeout would.
      v1::CreateReturnRequest r = NewReturn("", absl::StrCat("C", c));
      r.set_request_id(absl::StrCat("dock-", c));
      std::thread retry([&] { numbers[kCallers + c] = MustCreate(r).number(); });
      numbers[c] = MustCreate(r).number();
      retry.join();
    });
  }
  for (auto& t : callers) t.join();
  std::set<std::string> distinct;
  for (int c = 0; c < kCallers; ++c) {
    EXPECT_EQ(numbers[c], numbers[kCallers + c]) << "a retry is answered with the first";
    distinct.insert(numbers[c]);
  }
  ASSERT_EQ(distinct.size(), static_cast<size_t>(kCallers));
  const std::string year = absl::FormatTime("%Y", absl::Now(), absl::UTCTimeZone());
  EXPECT_EQ(*distinct.begin(), absl::StrCat("SZ1-R-", year, "-00001"));
  EXPECT_EQ(*distinct.rbegin(),
            absl::StrCat("SZ1-R-", year, "-", absl::StrFormat("%05d", kCallers)))
      << "gap-free";
  EXPECT_EQ(service_.db().Count("SELECT COUNT(*) FROM returns"), kCallers);
  EXPECT_EQ(service_.db().Count("SELECT COUNT(*) FROM return_history"), kCallers);
  // Creates of one transaction share its database time: fewer times than creates.
  EXPECT_LT(service_.db().Count("SELECT COUNT(DISTINCT create_time) FROM returns"), kCallers)
      << "group commit put several creates in one transaction";
}

TEST_F(ReturnServiceTest, AReturnWithoutGoodsArmsItsConfirmationUnderItsOwnName) {
  v1::CreateReturnRequest r = NewReturn("", "ACME");
  r.mutable_return_()->set_without_goods(true);
  const v1::Return created = MustCreate(r);
  EXPECT_EQ(created.state(), v1::RECEIVED);
  EXPECT_EQ(service_.db().Rows("SELECT kind, policy, subject FROM outbox"),
            std::vector<std::string>{"arm returns.quality_confirmation " + created.name()});
}

// A listener that only counts who connects: where complaints would be.
class CountingListener {
 public:
  CountingListener()
      : server_([this](int fd) {
          ++connections_;
          ::shutdown(fd, SHUT_RDWR);
        }) {}
  std::string address() const { return absl::StrCat("127.0.0.1:", server_.port()); }
  int connections() const { return connections_; }

 private:
  std::atomic<int> connections_{0};
  testing::LoopbackServer server_;
};

TEST(ReturnServiceBulk, ABulkReturnNeverCallsComplaints) {
  CountingListener complaints;
  absl::SetFlag(&FLAGS_service_token_file, testing::ServiceTokenFile());
  absl::SetFlag(&FLAGS_complaints_target, complaints.address());
  testing::InProcessService service{Service()};
  ASSERT_TRUE(service.Start().ok());
  auto stub = service.Stub<v1::ReturnService>();
  v1::Return out;
  const grpc::Status bulk =
      Call(*stub, &v1::ReturnService::Stub::CreateReturn, NewReturn("", "ACME"), &out);
  ASSERT_TRUE(bulk.ok()) << bulk.error_message();
  EXPECT_TRUE(out.bulk());
  EXPECT_EQ(complaints.connections(), 0);
  EXPECT_EQ(service.db().Count("SELECT COUNT(*) FROM outbox WHERE kind = 'record_return'"), 0);
  // The listener would have seen a call: a return of a complaint is checked there (and, with
  // nothing answering, refused as unavailable, nothing written).
  const grpc::Status checked =
      Call(*stub, &v1::ReturnService::Stub::CreateReturn,
           NewReturn("plants/SZ1/complaints/SZ1-2026-00001", "ACME"), &out);
  EXPECT_EQ(checked.error_code(), grpc::StatusCode::UNAVAILABLE) << checked.error_message();
  EXPECT_GT(complaints.connections(), 0);
  EXPECT_EQ(service.db().Count("SELECT COUNT(*) FROM returns"), 1);
}

}  // namespace
}  // namespace qms::returns
