/**
 * Reminders and warnings through the real object, queue and outbox: the daily cron as the
 * safety net for an alarm that did not fire (a missed reminder and a missed expiry warning
 * go out once), links after the expiry, cadence 0, and the cancellation notice, which reaches
 * the signers who had been invited and nobody else. The clock is faked where days must pass.
 */
import { createScheduledController, runDurableObjectAlarm, runInDurableObject } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { afterEach, describe, expect, it, vi } from "vitest";
import { handleScheduled } from "../../src/jobs/scheduled";
import { envelopeStub } from "../../src/services/envelope-stub";
import { Client, logIn } from "../support/client";
import { expectMailCount, faked, FAKED_YEAR, post, type Mail } from "../support/time-travel";
import { cancelEnvelope, createEnvelope, freshIp, mainOf, newSender, newSigner, sendEnvelope, timeline, type Signer } from "../support/flows";

afterEach(() => {
  vi.useRealTimers();
});


/** A sent envelope with these signers (each with a language), cadence and expiry date. */
async function sent(opts: { title: string; signers: (Signer & { locale: "en" | "nb" })[]; everyDays: number; expiresOn: string; order?: "parallel" | "sequential" }) {
  const sender = await newSender("Sara Sender");
  const { path, id } = await createEnvelope(sender.client, { title: opts.title });
  await post(sender.client, path, `${path}/settings`, { title: opts.title, message: "", signingOrder: opts.order ?? "parallel", timeZone: "Europe/Oslo", reminderEveryDays: String(opts.everyDays) });
  for (const s of opts.signers) await post(sender.client, path, `${path}/recipients`, { name: s.name, email: s.email, role: "signer", method: "email_link", locale: s.locale });
  await sendEnvelope(sender.client, path, opts.expiresOn);
  return { sender, path, id, stub: envelopeStub(env, id) };
}

/** As if the object's alarm were lost: only the cron can now notice what is due. */
async function loseAlarm(id: string) {
  await runInDurableObject(envelopeStub(env, id), (_instance, state) => state.storage.deleteAlarm());
}

async function cron(iso: string) {
  vi.setSystemTime(new Date(iso));
  return handleScheduled(createScheduledController({ scheduledTime: Date.parse(iso) }), env);
}

describe("the daily cron as the safety net", () => {
  it("sends a reminder whose alarm did not fire, once", async () => {
    vi.useFakeTimers({ toFake: ["Date"] });
    vi.setSystemTime(new Date(faked("2026-12-07T09:00:00.000Z")));
    const signer = { ...newSigner("Rita Reminder"), locale: "en" as const };
    const { id, stub, sender, path } = await sent({ title: "Missed reminder", signers: [signer], everyDays: 2, expiresOn: faked("2026-12-31") });
    await expectMailCount([signer.email], 1);
    await loseAlarm(id);

    // Due on 9 December at 09:00 UTC; the alarm is gone. The next morning's cron sends it.
    expect((await cron(faked("2026-12-09T03:17:00.000Z"))).remindersChecked).toBe(0);
    await expectMailCount([signer.email], 1);
    expect((await cron(faked("2026-12-10T03:17:00.000Z"))).remindersChecked).toBe(1);
    const mail = await expectMailCount([signer.email], 2);
    expect(mail[1]!.subject).toBe("Reminder: Sara Sender asks you to sign “Missed reminder”");
    expect(mail[1]!.link).toMatch(/\/s\/[A-Za-z0-9_-]{22,64}$/);
    expect(mail[1]!.link).not.toBe(mail[0]!.link);

    // Again the same day, and the alarm too: nothing more.
    await cron(faked("2026-12-10T05:00:00.000Z"));
    await runDurableObjectAlarm(stub);
    await expectMailCount([signer.email], 2);
    const events = await stub.getEvents();
    expect(events.filter((e) => e.type === "reminder_requested").map((e) => e.data)).toEqual([{ recipients: 1, automatic: true }]);
    expect(events.filter((e) => e.type === "invitation_queued" && e.data.reminder === true)).toHaveLength(1);

    // The object rescheduled itself: the next one is two days later, at 09:00 in Oslo.
    vi.setSystemTime(new Date(faked("2026-12-12T08:00:00.000Z")));
    await runDurableObjectAlarm(stub);
    await expectMailCount([signer.email], 3);
    // Five days on, the sender's session has ended (8 hours idle): they log in again and see the reminder.
    await logIn(sender.client, sender.email);
    expect(await timeline(sender.client, path)).toContain("Reminder requested");
  });

  it("sends a missed expiry warning once, never a reminder when the cadence is 0, and shows the expired page afterwards", async () => {
    vi.useFakeTimers({ toFake: ["Date"] });
    vi.setSystemTime(new Date(faked("2026-12-06T09:00:00.000Z")));
    const signer = { ...newSigner("Kari Utløp"), locale: "nb" as const };
    // Out for less than five days: the warning is one day before, at 09:00 in Oslo on 8 December.
    const { id, stub } = await sent({ title: "Kort frist", signers: [signer], everyDays: 0, expiresOn: faked("2026-12-09") });
    const [invitation] = await expectMailCount([signer.email], 1);
    await loseAlarm(id);

    expect((await cron(faked("2026-12-08T03:17:00.000Z"))).remindersChecked).toBe(1); // asked, but nothing is due yet
    await expectMailCount([signer.email], 1);
    await cron(faked("2026-12-09T03:17:00.000Z"));
    const mail = await expectMailCount([signer.email], 2);
    expect(mail[1]!.subject).toMatch(new RegExp(`^Signeringen av «Kort frist» slutter 9\\. des\\. ${FAKED_YEAR}\\b`));
    expect(mail[1]!.text).toContain("etter det virker ikke lenken lenger");
    await cron(faked("2026-12-09T12:00:00.000Z"));
    await expectMailCount([signer.email], 2);

    // The day after the expiry the cron expires it (its alarm is lost too); every link shows the expired page.
    expect((await cron(faked("2026-12-10T03:17:00.000Z"))).expired).toBe(1);
    expect((await stub.getState())!.status).toBe("expired");
    for (const link of [invitation!.link!, mail[1]!.link!]) {
      const signerClient = new Client(freshIp());
      const opened = await signerClient.get(new URL(link).pathname);
      const res = opened.status === 303 ? await signerClient.get(opened.headers.get("Location")!) : opened;
      expect(res.status).toBe(410);
      expect(mainOf(await res.text())).toContain("Denne signeringslenken");
    }
    await cron(faked("2026-12-12T03:17:00.000Z"));
    await expectMailCount([signer.email], 2);
  });
});

describe("cancelling", () => {
  it("tells every signer who had been invited, in their language and with the reason, and nobody else", async () => {
    const kari = { ...newSigner("Kari Først"), locale: "nb" as const };
    const ola = { ...newSigner("Ola Venter"), locale: "en" as const };
    const { sender, path, stub } = await sent({ title: "Kansellert avtale", signers: [kari, ola], everyDays: 3, expiresOn: new Date(Date.now() + 20 * 86_400_000).toISOString().slice(0, 10), order: "sequential" });
    await expectMailCount([kari.email, ola.email], 1);
    await cancelEnvelope(sender.client, path);
    const mail = await expectMailCount([kari.email, ola.email], 2);
    expect(mail[1]!.to).toBe(kari.email);
    expect(mail[1]!.subject).toBe("«Kansellert avtale» ble kansellert");
    expect(mail[1]!.text).toContain("Sara Sender har kansellert «Kansellert avtale»");
    expect(mail[1]!.text).toContain("Begrunnelse: Changed my mind");
    expect(mail[1]!.link).toBeNull();
    const notices = (await stub.getEvents()).filter((e) => e.type === "cancellation_notice_queued");
    expect(notices.map((e) => e.recipientId)).toEqual([(await stub.getState())!.recipients.find((r) => r.email === kari.email)!.id]);
    expect(await timeline(sender.client, path)).toContain(`Told that the envelope was cancelled — ${kari.name}`);
    // A second cancel changes nothing and sends nothing.
    const { csrf } = await sender.client.page(path);
    await sender.client.post(`${path}/cancel`, { reason: "Again" }, csrf);
    await expectMailCount([kari.email, ola.email], 2);
  });
});
