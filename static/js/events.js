// Events: progress bars move as gamification.event_task events arrive on /ws/me/; a completed
// task ticks and toasts. On every (re)connect the page re-reads its events from the API, since
// the channel layer is at-most-once (docs/realtime.md).
import { api } from "./api.js";
import { icon } from "./icons.js";
import { toast } from "./toast.js";

const UNITS = { watch_hours: "h", join_rooms: "rooms", send_messages: "messages", make_friends: "friends", sponsored_video: "videos", login_days: "days" };

export function progressLabel(kind, progress, target) {
  const done = kind === "watch_hours" ? (progress / 3600).toFixed(1).replace(/\.0$/, "") : String(progress);
  return `${done} / ${target} ${UNITS[kind] || ""}`.trim();
}


function setTask(taskId, progress, goal, completed) {
  const item = document.querySelector(`.task[data-task-id="${taskId}"]`);
  if (!item) return;
  const shown = Math.min(progress, goal);
  item.querySelector(".task-progress span").style.width = `${Math.floor((shown * 100) / goal)}%`;
  item.querySelector(".task-progress").setAttribute("aria-valuenow", String(shown));
  item.querySelector('[data-field="label"]').textContent = progressLabel(item.dataset.kind, shown, Number(item.dataset.target));
  if (completed && !item.classList.contains("done")) {
    item.classList.add("done", "just-done");
    item.querySelector(".task-check").replaceChildren(icon("check", { size: 14 }));
    const card = item.closest(".event-card");
    const done = card.querySelector('[data-field="done"]');
    if (done) done.textContent = String(card.querySelectorAll(".task.done").length);
  }
}

async function resync() {
  const events = await api("GET", "/api/v1/events/");
  for (const event of events) for (const task of event.tasks) setTask(task.id, task.progress, task.goal, Boolean(task.completed_at));
}

const realtime = window.WT?.realtime;
if (realtime) {
  realtime
    .on("gamification.event_task", (event) => {
      setTask(event.task_id, event.progress, event.goal, event.op === "completed");
      if (event.op === "completed") {
        const title = document.querySelector(`.task[data-task-id="${event.task_id}"] strong`)?.textContent || "A task";
        toast(`${title}: done!`, "success");
      }
    })
    .on("gamification.event", (event) => {
      document.getElementById(`event-${event.event_id}`)?.classList.add("is-completed");
      toast(`You completed “${event.title}”!`, "success");
    })
    .on("hello", () => resync().catch(() => {}));
}
