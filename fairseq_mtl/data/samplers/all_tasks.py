"""All tasks in every update: the epoch is a sequence of groups of K batches, one per task
(in a shuffled order), so that ``--update-freq K`` accumulates one batch of every task into each
optimizer step (what gradient-combination methods need). A task that runs out of batches
starts its list over; the epoch ends when the largest task has used all its batches."""
from fairseq_mtl.data.samplers import register_sampler
from fairseq_mtl.data.samplers.base import TaskSampler


@register_sampler("all_tasks")
class AllTasksSampler(TaskSampler):
    summary = "one batch of every task per group (use with --update-freq K)"
    def order(self, batches, rng):
        tasks = [k for k in range(len(batches)) if batches[k]]
        rounds = max((len(batches[k]) for k in tasks), default=0)
        out = []
        for r in range(rounds):
            for k in [tasks[i] for i in rng.permutation(len(tasks))]:
                out.append(batches[k][r % len(batches[k])])
        return out

    def epoch_note(self, batches):
        sizes = [len(b) for b in batches if b]
        rounds, distinct = max(sizes, default=0), sum(sizes)
        return (f"the all_tasks sampler: an epoch is {rounds} groups of {len(sizes)} batches "
                f"(the largest task's {rounds}; the others repeat theirs), i.e. {rounds} updates "
                f"at --update-freq {len(sizes)}; round_robin or shuffled takes the {distinct} "
                f"batches once each, i.e. {distinct} updates at --update-freq 1: fewer optimizer "
                "steps here at the same epochs, which want a larger learning rate "
                "(docs/training.md, task balancing)")
