// A try to deliver an alert that did not arrive, with the reason a person reads in the log,
// in GET /api/notify and on the dashboard ("connection refused", "answered 500: ...").
import { Data } from "effect"

export class DeliveryFailed extends Data.TaggedError("DeliveryFailed")<{ readonly reason: string }> {
  override get message(): string {
    return this.reason
  }
}
