//! Sending messages: publishing to a topic's partition or the board's bus
//! (and accounting the deliveries each publish owes), and synchronous
//! requests with their outcome booked for caller and callee.

use stormflow_core::sim::MsgKind;

use crate::broker::{Broker, BrokerError};
use crate::envelope;
use crate::shared::{Outgoing, Shared};

/// Publishes to one topic (the key's partition) and accounts the
/// deliveries it owes; the position is (partition, stream sequence).
pub(crate) async fn publish_to_topic<B: Broker>(
    sh: &Shared<B>,
    node: u32,
    topic: usize,
    out: &Outgoing,
    fresh: bool,
) -> Option<(u32, u64)> {
    let plan = &sh.plan;
    let part = plan.partition_of(topic, out.envelope.key);
    let subject = plan.partition_subject(topic, part);
    let subs = &plan.topics[topic].subs;
    match sh.publish(&subject, out).await {
        Ok(published) => {
            if fresh || !published.duplicate {
                let mut rec = sh.rec();
                rec.appended(topic, part);
                for sub in subs {
                    if let Some(c) = sh.consumer_of_part.get(&(*sub, part)) {
                        rec.owe(*c);
                    }
                }
                if !fresh {
                    // An exactly-once re-publish the broker did not recognise.
                    rec.duplicate(node);
                }
            }
            Some((part, published.sequence))
        }
        Err(e) => {
            if fresh {
                let reason = format!("publish to {subject} failed: {e}");
                let mut rec = sh.rec();
                for sub in subs {
                    rec.undeliverable(plan.subs[*sub].node, &reason);
                }
            }
            None
        }
    }
}

/// Sends a new (or re-sent) message where its type goes: its topics and bus
/// receivers for an event, its handler for a command.
pub async fn route<B: Broker>(sh: &Shared<B>, node: u32, out: &Outgoing, fresh: bool) {
    let plan = &sh.plan;
    let route = &plan.routes[out.envelope.ty as usize];
    let mut position = None;
    if out.envelope.kind == MsgKind::Event {
        for topic in &route.topics {
            let landed = publish_to_topic(sh, node, *topic, out, fresh).await;
            position = position.or(landed);
        }
    }
    if route.bus.is_empty() {
        if matches!(out.envelope.kind, MsgKind::Command | MsgKind::Query) && fresh {
            let reason = format!("no handler for `{}`", plan.ids[out.envelope.ty as usize]);
            sh.rec().undeliverable(node, &reason);
        }
    } else {
        let subject = plan.bus_subject(out.envelope.ty);
        match sh.publish(&subject, out).await {
            Ok(published) if fresh || !published.duplicate => {
                let mut rec = sh.rec();
                for bus in &route.bus {
                    rec.owe(sh.consumer_of_bus[*bus]);
                }
                if !fresh {
                    rec.duplicate(node);
                }
            }
            Ok(_) => {}
            Err(e) if fresh => {
                let reason = format!("publish to {subject} failed: {e}");
                let mut rec = sh.rec();
                for bus in &route.bus {
                    rec.undeliverable(plan.bus[*bus].node, &reason);
                }
            }
            Err(_) => {}
        }
    }
    if fresh {
        sh.record_message(&out.envelope, position);
    }
}

/// A synchronous request from `caller` to `callee`; the error is written
/// for the caller's failure.
pub async fn request<B: Broker>(
    sh: &Shared<B>,
    caller: u32,
    callee: u32,
    out: &Outgoing,
    what: &str,
) -> Result<(), String> {
    let plan = &sh.plan;
    let callee_id = &plan.ids[callee as usize];
    let timeout_us = plan.nodes[caller as usize].service.call_timeout_us;
    sh.rec().request_sent(callee);
    let mut waiting = Waiting {
        sh,
        callee,
        answered: false,
    };
    let answer = sh
        .broker
        .request(
            &plan.rpc_subject(callee),
            &out.headers,
            out.payload.clone(),
            sh.clock.real(timeout_us),
        )
        .await;
    waiting.answered = true;
    let mut rec = sh.rec();
    rec.request_done();
    match answer {
        Ok((headers, _)) => {
            rec.reply_delivered();
            match envelope::header(&headers, envelope::REPLY_ERROR) {
                Some(error) => {
                    rec.dropped(
                        callee,
                        &format!("failed while serving a request: {error}"),
                        true,
                    );
                    Err(format!("{what} to `{callee_id}` failed: {error}"))
                }
                None => {
                    rec.processed_sync();
                    Ok(())
                }
            }
        }
        Err(BrokerError::NoResponders) => {
            rec.dropped(
                callee,
                &format!("`{callee_id}` is down: the call was refused"),
                true,
            );
            Err(format!("{what} to `{callee_id}` refused: it is down"))
        }
        Err(BrokerError::TimedOut) => {
            rec.dropped(callee, "the caller gave up waiting (timeout)", true);
            Err(format!(
                "{what} to `{callee_id}` timed out after {}",
                stormflow_core::units::format_duration_us(timeout_us)
            ))
        }
        Err(BrokerError::Unavailable(e)) => {
            rec.dropped(callee, &format!("the broker was unreachable: {e}"), true);
            Err(format!(
                "{what} to `{callee_id}` failed: the broker was unreachable"
            ))
        }
    }
}

/// A request on its way. If the caller stops waiting (its element went
/// down, the run ended), dropping this books the request as dropped, so the
/// run does not count it in flight for ever.
struct Waiting<'a, B: Broker> {
    sh: &'a Shared<B>,
    callee: u32,
    answered: bool,
}

impl<B: Broker> Drop for Waiting<'_, B> {
    fn drop(&mut self) {
        if self.answered {
            return;
        }
        let mut rec = self.sh.rec();
        rec.request_done();
        rec.dropped(
            self.callee,
            "the caller stopped waiting for the answer (it went down)",
            true,
        );
    }
}
