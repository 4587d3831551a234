"""How a pod's containers are doing, as the PodList shows it (restarts, last exit, readiness)."""

from __future__ import annotations

from dataclasses import dataclass

from akinv.doctor import kube
from akinv.doctor.findings import JsonValue

__all__ = ["Health", "pod_health"]


@dataclass(frozen=True, slots=True)
class Health:
    pod: str
    phase: str
    ready: bool
    restarts: int
    # Why a container is not running now, e.g. CrashLoopBackOff ("" when none waits).
    waiting: str
    # The last termination of the container that restarted most: reason, exit code, time.
    last_reason: str
    last_exit_code: int | None
    last_finished_at: str

    @property
    def troubled(self) -> bool:
        return not self.ready or self.restarts > 0 or bool(self.waiting)

    def describe(self) -> str:
        """A short account for messages: "not ready, CrashLoopBackOff, 14 restarts, last exit 137"."""
        parts = ["ready" if self.ready else "not ready"]
        if self.waiting:
            parts.append(self.waiting)
        if self.restarts:
            parts.append(f"{self.restarts:,} restart{'s' if self.restarts != 1 else ''}")
        if self.last_exit_code is not None:
            reason = f" ({self.last_reason})" if self.last_reason else ""
            parts.append(f"last exit {self.last_exit_code}{reason}")
        return ", ".join(parts)

    def evidence(self) -> dict[str, JsonValue]:
        last: JsonValue = None
        if self.last_exit_code is not None:
            last = {
                "reason": self.last_reason,
                "exit_code": self.last_exit_code,
                "finished_at": self.last_finished_at,
            }
        return {
            "pod": self.pod,
            "phase": self.phase,
            "ready": self.ready,
            "restarts": self.restarts,
            "waiting": self.waiting or None,
            "last_termination": last,
        }


def pod_health(pod: kube.Pod, container: str | None = None) -> Health:
    """The health of a pod's containers (only the named one when given and present)."""
    statuses = pod.status.container_statuses
    if container is not None and any(s.name == container for s in statuses):
        statuses = [s for s in statuses if s.name == container]
    worst = max(statuses, key=lambda s: s.restart_count, default=None)
    waiting = next(
        (s.state.waiting.reason for s in statuses if s.state.waiting and s.state.waiting.reason), ""
    )
    terminated = worst.last_state.terminated if worst is not None else None
    return Health(
        pod=f"{pod.metadata.namespace}/{pod.metadata.name}",
        phase=pod.status.phase,
        # No container status at all: nothing has started, so nothing is ready.
        ready=bool(statuses) and all(s.ready for s in statuses),
        restarts=sum(s.restart_count for s in statuses),
        waiting=waiting,
        last_reason=terminated.reason if terminated else "",
        last_exit_code=terminated.exit_code if terminated else None,
        last_finished_at=terminated.finished_at if terminated else "",
    )
