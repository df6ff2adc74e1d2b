import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { driveScriptedAgent } from "../helpers/drive-agent.ts";
import { type LoadedPack, loadPack } from "../../scenarios/index.ts";

// A small music-lesson line written for these tests: a datetime slot that keeps the caller's time,
// a choice that follows it (nearest time first, a new day re-runs the search), an enum slot read
// as its record (`{slot.teacher.id}`), a `set` step, and a fee notice on `{x|hours} < 24`.
const PACK = `
id: studio
name: Studio lessons line
domain: music lessons
description: Calls to a music studio to book or cancel a lesson.
domainKeywords: [lesson, teacher]
agent:
  name: Sam
  organization: Tempo Studio
  policy: Book and cancel lessons.
  procedure:
    - { id: greet, description: Greet, say: "Thanks for calling {org}, this is {agent}. How can I help?" }
  intents:
    - id: book_lesson
      description: Book a lesson
      keywords: [book a lesson, a lesson with]
      amend: { intent: move_lesson, slots: { old_day: "{booked.record.start}" } }
      slots:
        - { name: teacher, type: enum, from: teachers, prompt: "Which teacher would you like?" }
        - { name: when, type: datetime, prompt: "What day and time suit you?" }
      steps:
        - collect: [teacher, when]
        - call: list_openings
          args: { teacher_id: "{slot.teacher.id}" }
          save: open
        - choose: { from: "{open.records}", label: "{item.start|time}", at: start, slot: when, save: opening, ask: "On {item.start|date}, {slot.teacher} has {options}. Which would you like?" }
        - confirm: "A lesson with {slot.teacher} on {opening.start|datetime}. Shall I book it?"
        - call: book_lesson
          args: { student_id: "{customer.id}", start: "{opening.start}", teacher: "{slot.teacher}" }
          save: booked
          say: "You're booked for {booked.record.start|datetime}."
          then: report
    - id: move_lesson
      description: Move a lesson
      keywords: [move my lesson]
      slots:
        - { name: old_day, type: date, prompt: "Which lesson would you like to move?", required: false }
        - { name: when, type: datetime, prompt: "When would you like it instead?" }
      steps:
        - call: list_lessons
          args: { student_id: "{customer.id}" }
          save: mine
        - choose: { from: "{mine.records}", label: "{item.start|datetime}", at: start, slot: old_day, save: lesson, ask: "You have {options}. Which one?" }
        - collect: [when]
        - confirm: "Move your lesson from {lesson.start|datetime} to {slot.when.from|date}. Shall I?"
        - call: move_lesson
          args: { lesson_id: "{lesson.id}", start: "{slot.when.from}" }
          say: "Done, it's moved."
          then: report
    - id: cancel_lesson
      description: Cancel a lesson
      keywords: [cancel my lesson]
      slots:
        - { name: day, type: date, prompt: "Which lesson would you like to cancel?", required: false }
        - { name: teacher, type: enum, from: teachers, prompt: "Who is it with?", required: false }
      steps:
        - call: list_lessons
          args: { student_id: "{customer.id}" }
          save: mine
          ifEmpty: { path: records, say: "I don't see any lessons booked." }
        - choose: { from: "{mine.records}", label: "{item.start|datetime}", at: start, slot: day, save: lesson, ask: "You have {options}. Which one would you like to cancel?" }
        - set: { slot.teacher: "{lesson.teacher}" }
        - when: "{lesson.start|hours} < 24"
          confirm: "That lesson with {slot.teacher} is less than a day away, so the late fee applies. Cancel it anyway?"
        - when: "{lesson.start|hours} >= 24"
          confirm: "Cancel your lesson with {slot.teacher} on {lesson.start|datetime}?"
        - call: cancel_lesson
          args: { lesson_id: "{lesson.id}", teacher_id: "{slot.teacher.id}" }
          say: "Your lesson is cancelled."
          then: report
  tools: [find_student, list_openings, book_lesson, list_lessons, move_lesson, cancel_lesson, transfer_to_human, end_call]
  verification:
    identifyBy: [phone]
    verifyBy: [phone]
    slots: [{ name: phone, type: phone, prompt: "What's your phone number?" }]
    steps:
      - collect: [phone]
      - call: find_student
        args: { phone: "{slot.phone}" }
        identifies: record.id
tools:
  - { name: find_student, description: Find a student by phone., args: { phone: { type: string } }, behaviour: { kind: lookup, collection: students, match: { phone: phone } } }
  - { name: list_openings, description: A teacher's open times., args: { teacher_id: { type: string } }, behaviour: { kind: list, collection: openings, match: { teacher_id: teacherId } } }
  - name: book_lesson
    description: Book a lesson.
    args: { student_id: { type: string }, start: { type: string }, teacher: { type: string } }
    behaviour: { kind: create, collection: lessons, set: { student_id: studentId, start: start, teacher: teacher }, fixed: { status: booked }, idPrefix: LES }
  - { name: list_lessons, description: A student's lessons., args: { student_id: { type: string } }, behaviour: { kind: list, collection: lessons, match: { student_id: studentId } } }
  - { name: move_lesson, description: Move a lesson., args: { lesson_id: { type: string }, start: { type: string } }, behaviour: { kind: update, collection: lessons, match: { lesson_id: id }, set: { start: start } } }
  - { name: cancel_lesson, description: Cancel a lesson., args: { lesson_id: { type: string }, teacher_id: { type: string } }, behaviour: { kind: update, collection: lessons, match: { lesson_id: id }, set: { teacher_id: teacherId }, fixed: { status: cancelled } } }
fixtures:
  students: [{ id: ST-1, name: Ana Ruiz, phone: "4155550101" }]
  teachers: [{ id: T-1, name: Marco }, { id: T-2, name: Ines }]
  openings:
    - { id: O-1, teacherId: T-2, start: "2026-03-17T10:00:00-07:00" }
    - { id: O-2, teacherId: T-2, start: "2026-03-17T14:00:00-07:00" }
    - { id: O-3, teacherId: T-2, start: "2026-03-17T15:00:00-07:00" }
    - { id: O-4, teacherId: T-2, start: "2026-03-17T17:00:00-07:00" }
    - { id: O-5, teacherId: T-2, start: "2026-03-18T15:00:00-07:00" }
    - { id: O-6, teacherId: T-1, start: "2026-03-17T15:00:00-07:00" }
  lessons:
    - { id: LES-1, studentId: ST-1, teacher: Ines, start: "2026-03-11T08:00:00-07:00", status: booked }
    - { id: LES-2, studentId: ST-1, teacher: Marco, start: "2026-03-13T16:00:00-07:00", status: booked }
personas:
  - { id: ana, name: Ana Ruiz, traits: { patience: 0.8, verbosity: 0.4, cooperativeness: 0.9, techComfort: 0.7, emotion: calm }, style: {}, asr: { wer: 0.03 } }
scenarios:
  - id: book-easy
    title: Ana books a lesson
    persona: ana
    goal: { intent: book_lesson, slots: { teacher: Ines, when: next Tuesday at 3 pm }, description: "Book a lesson with Ines" }
    hiddenFacts: { phone: "415 555 0101" }
    clock: { now: "2026-03-10T09:00:00", timezone: America/Los_Angeles }
    difficulty: easy
`;

const NOW = "2026-03-10T09:00:00";
const TZ = "America/Los_Angeles";

let loaded: LoadedPack;
beforeAll(async () => {
  const dir = mkdtempSync(join(tmpdir(), "voicesim-days-"));
  writeFileSync(join(dir, "pack.yaml"), PACK);
  loaded = await loadPack(dir);
});

/** The scripted agent against the pack's tools, the caller's lines fed in one per agent turn. */
function drive(lines: readonly string[]) {
  return driveScriptedAgent(loaded, lines, { now: NOW, timezone: TZ });
}

const PHONE = "Four one five, five five five, oh one oh one.";

describe("flow steps over days and times", () => {
  it("keeps the time with the day, reads the enum slot's record id, and offers that day's times nearest the one asked", async () => {
    const call = await drive(["I'd like to book a lesson with Ines next Tuesday at three.", PHONE, "Three p m, please.", "Yes.", "No, that's all."]);
    expect(call.args("list_openings")).toEqual([{ teacher_id: "T-2" }]);
    expect(call.speech).toContain("On Tuesday, March seventeenth, Ines has three p m, two p m or five p m. Which would you like?");
    expect(call.args("book_lesson")[0]).toMatchObject({ start: "2026-03-17T15:00:00-07:00", teacher: "Ines" });
  });

  it("takes another day named while choosing as a change of mind and searches again", async () => {
    const call = await drive(["I'd like to book a lesson with Ines next Tuesday at three.", PHONE, "Actually, can we do next Wednesday instead?", "Three p m.", "Yes.", "No."]);
    expect(call.args("list_openings")).toHaveLength(2);
    expect(call.speech.some((s) => /On Wednesday, March eighteenth, Ines has three p m\./.test(s) || /Wednesday, March eighteenth at three p m\. Shall I book it\?/.test(s))).toBe(true);
    expect(call.args("book_lesson")[0]).toMatchObject({ start: "2026-03-18T15:00:00-07:00" });
  });

  it("moves what it just booked when the caller changes the day afterwards (amend)", async () => {
    const call = await drive(["I'd like to book a lesson with Ines next Tuesday at three.", PHONE, "Three p m, please.", "Yes.", "Oh, actually, sorry, I meant next Wednesday.", "Yes.", "No."]);
    expect(call.args("book_lesson")).toHaveLength(1);
    expect(call.args("move_lesson")).toEqual([{ lesson_id: "LES-9001", start: "2026-03-18" }]);
  });

  it("picks the lesson on the day the caller named, sets a slot from it, and gives the notice when it is less than a day away", async () => {
    const late = await drive(["I need to cancel my lesson tomorrow.", PHONE, "Yes.", "No."]);
    expect(late.speech.join(" ")).toMatch(/less than a day away, so the late fee applies/);
    expect(late.args("cancel_lesson")).toEqual([{ lesson_id: "LES-1", teacher_id: "T-2" }]);
    const early = await drive(["I need to cancel my lesson.", PHONE, "The one on Friday.", "Yes.", "No."]);
    expect(early.speech.some((s) => s.includes("You have Wednesday, March eleventh at eight a m or Friday, March thirteenth at four p m."))).toBe(true);
    expect(early.speech.join(" ")).toMatch(/Cancel your lesson with Marco on Friday, March thirteenth at four p m\?/);
    expect(early.speech.join(" ")).not.toMatch(/late fee/);
    expect(early.args("cancel_lesson")).toEqual([{ lesson_id: "LES-2", teacher_id: "T-1" }]);
  });
});
