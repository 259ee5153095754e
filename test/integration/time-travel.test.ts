/**
 * Time travel: one envelope walked through reminders, the expiry warning, signatures,
 * completion, the sender's deletion warning and deletion, with the clock moved forward
 * (Date is faked for the test and the Envelope object alike; queues and timers stay real).
 * Every message in the development outbox is asserted: who got it, in which language,
 * and that it went exactly once.
 */
import { createScheduledController, runDurableObjectAlarm } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { afterEach, describe, expect, it, vi } from "vitest";
import { DAY_MS } from "../../src/domain/limits";
import { formatDateTime } from "../../src/i18n";
import { handleScheduled } from "../../src/jobs/scheduled";
import { command, envelopeStub } from "../../src/services/envelope-stub";
import { Client } from "../support/client";
import { eventually, queueSettled } from "../support/eventually";
import { expectMailCount, faked, mailTo, post, type Mail } from "../support/time-travel";
import { createEnvelope, freshIp, newSender, newSigner, sendEnvelope } from "../support/flows";

const HOUR = 3600_000;
const ctx = { ip: "203.0.113.9", userAgent: "TimeTravel/1.0" };

function travelTo(iso: string): void {
  vi.setSystemTime(new Date(iso));
}

afterEach(() => {
  vi.useRealTimers();
});


describe("an envelope through time", () => {
  it("reminds, warns, completes, warns the sender and is deleted, each message once, in each person's language", async () => {
    vi.useFakeTimers({ toFake: ["Date"] });
    // 7 December, 10:00 in Oslo (UTC+1 all winter), on the faked calendar (see FAKED_YEAR).
    travelTo(faked("2026-12-07T09:00:00.000Z"));
    const sender = await newSender("Sara Sender");
    const kari = newSigner("Kari Nordmann");
    const ola = newSigner("Ola English");
    const title = "Time-travel lease";
    const { path, id } = await createEnvelope(sender.client, { title });
    await post(sender.client, path, `${path}/settings`, { title, message: "", signingOrder: "parallel", timeZone: "Europe/Oslo", reminderEveryDays: "2" });
    await post(sender.client, path, `${path}/recipients`, { name: kari.name, email: kari.email, role: "signer", method: "email_link", locale: "nb" });
    await post(sender.client, path, `${path}/recipients`, { name: ola.name, email: ola.email, role: "signer", method: "email_link", locale: "en" });
    // Signing ends at the end of Monday 14 December in Oslo.
    await sendEnvelope(sender.client, path, faked("2026-12-14"));
    const stub = envelopeStub(env, id);
    const state = (await stub.getState())!;
    expect(state.expiresAt).toBe(faked("2026-12-14T22:59:59.999Z"));
    const idOf = (email: string) => state.recipients.find((r) => r.email === email)!.id;
    const people = [kari.email, ola.email];

    let mail = await expectMailCount(people, 2);
    expect(mail.find((m) => m.to === kari.email)!.subject).toBe(`Sara Sender ber deg signere «${title}»`);
    expect(mail.find((m) => m.to === ola.email)!.subject).toBe(`Sara Sender asks you to sign “${title}”`);

    // Day 1: Ola signs. Nothing else is due.
    travelTo(faked("2026-12-08T09:00:00.000Z"));
    await command(stub.sign({ recipientId: idOf(ola.email), typedName: ola.name, context: ctx }));
    await runDurableObjectAlarm(stub);
    await expectMailCount(people, 2);

    // Day 2, a minute early: nothing. On time: Kari alone is reminded, in Norwegian, with a fresh link.
    travelTo(faked("2026-12-09T08:59:00.000Z"));
    await runDurableObjectAlarm(stub);
    await expectMailCount(people, 2);
    travelTo(faked("2026-12-09T09:00:00.000Z"));
    expect(await runDurableObjectAlarm(stub)).toBe(true);
    mail = await expectMailCount(people, 3);
    expect(mail[2]).toMatchObject({ to: kari.email, subject: `Påminnelse: Sara Sender ber deg signere «${title}»` });
    expect(mail[2]!.link).not.toBe(mail.find((m) => m.to === kari.email)!.link);

    // Day 4: the second reminder.
    travelTo(faked("2026-12-11T09:00:00.000Z"));
    await runDurableObjectAlarm(stub);
    mail = await expectMailCount(people, 4);
    expect(mail[3]).toMatchObject({ to: kari.email, subject: `Påminnelse: Sara Sender ber deg signere «${title}»` });

    // 12 December, 09:00 in Oslo, two days before the expiry: the warning, to Kari only.
    travelTo(faked("2026-12-12T08:00:00.000Z"));
    await runDurableObjectAlarm(stub);
    mail = await expectMailCount(people, 5);
    const ends = formatDateTime("nb", state.expiresAt!, "Europe/Oslo");
    expect(mail[4]).toMatchObject({ to: kari.email, subject: `Signeringen av «${title}» slutter ${ends}` });
    expect(mail[4]!.text).toContain("Sara Sender venter fortsatt på signaturen din");
    // The warning goes out once, even if the alarm runs again.
    await runDurableObjectAlarm(stub);
    await expectMailCount(people, 5);

    // Day 6: Kari signs through the warning's link before her next reminder; the envelope completes.
    travelTo(faked("2026-12-13T10:00:00.000Z"));
    const karisClient = new Client(freshIp());
    const opened = await karisClient.get(new URL(mail[4]!.link!).pathname);
    expect(opened.status).toBe(303);
    const signPath = opened.headers.get("Location")!.split("?")[0]!;
    const page = await karisClient.page(signPath);
    expect((await karisClient.post(`${signPath}/sign`, { typedName: kari.name, consent: "yes" }, page.csrf)).status).toBe(303);
    mail = await expectMailCount(people, 7);
    const completed = mail.slice(5);
    const kariDone = completed.find((m) => m.to === kari.email)!;
    const olaDone = completed.find((m) => m.to === ola.email)!;
    expect(kariDone.subject).toBe(`«${title}» er signert av alle`);
    expect(kariDone.text).toContain(faked("Du kan laste ned den signerte PDF-en til 13. mars 2027 (90 dager etter fullføringen). Deretter slettes den, og 30 dager senere kan den heller ikke leses fra sikkerhetskopier."));
    expect(olaDone.subject).toBe(`“${title}” is signed by everyone`);
    expect(olaDone.text).toContain(faked("You can download the signed PDF until 13 March 2027 (90 days after completion). Then it is deleted, and 30 days later it cannot be read from backups either."));
    const done = (await stub.getState())!;
    expect(done.status).toBe("completed");
    expect(done.endedAt).toBe(faked("2026-12-13T10:00:00.000Z"));

    // The expiry day comes: no reminder for anyone who has signed.
    travelTo(faked("2026-12-14T08:00:00.000Z"));
    await runDurableObjectAlarm(stub);
    await expectMailCount(people, 7);

    // Deleted 90 days after completion: 13 March of the next year, 10:00 UTC. Eight days before, no warning; seven days before, one.
    const deletesAt = Date.parse(faked("2027-03-13T10:00:00.000Z"));
    const cron = async (at: number) => {
      travelTo(new Date(at).toISOString());
      return handleScheduled(createScheduledController({ scheduledTime: at }), env);
    };
    const senderMail = async () => (await mailTo([sender.email])).filter((m) => m.subject.includes(title));
    expect((await cron(deletesAt - 8 * DAY_MS)).deletionWarnings).toBe(0);
    expect((await cron(deletesAt - 7 * DAY_MS)).deletionWarnings).toBe(1);
    await eventually(async () => (await senderMail()).length > 0, { what: "the deletion warning to the sender" });
    expect((await cron(deletesAt - 6 * DAY_MS)).deletionWarnings).toBe(0);
    await queueSettled();
    const warnings = await senderMail();
    expect(warnings.map((m) => m.subject)).toEqual([faked(`“${title}” will be deleted on 13 March 2027`)]);
    expect(warnings[0]!.text).toContain("in 7 days");
    expect(warnings[0]!.link).toBe(`http://localhost:8787${path}`);
    expect((await env.DB.prepare("SELECT deletes_at FROM deletion_warnings WHERE envelope_id = ?").bind(id).first())!).toEqual({ deletes_at: faked("2027-03-13T10:00:00.000Z") });
    // Everyone else's mail is unchanged, and the envelope is still there.
    await expectMailCount(people, 7);
    expect((await stub.getState())!.status).toBe("completed");
    const timeline = (await stub.getEvents()).map((e) => e.type);
    expect(timeline.filter((t) => t === "deletion_warning_queued")).toHaveLength(1);
    expect(timeline.filter((t) => t === "expiry_warning_queued")).toHaveLength(1);

    // The day it is due, the sweep deletes it.
    expect((await cron(deletesAt - HOUR)).retention.purged).toBe(0);
    const result = await cron(deletesAt + HOUR);
    expect(result.retention.purged).toBe(1);
    expect(await stub.getState()).toBeNull();
    expect((await env.DB.prepare("SELECT status FROM envelopes WHERE id = ?").bind(id).first())!).toEqual({ status: "purged" });
    // No further warning for a deleted envelope.
    expect((await cron(deletesAt + DAY_MS)).deletionWarnings).toBe(0);
  });
});
