"""Values and bank text read the same in the app and in reports."""

from quizapp.formatting import key_metrics, percent, reflow, shown


def test_a_hard_wrapped_line_that_starts_with_a_number_still_joins_its_paragraph():
    text = "updates per epoch: 1, 13 and\n400. After 15 epochs the loss is lower.\n\n- a list\n- stays"
    joined = "updates per epoch: 1, 13 and 400. After 15 epochs the loss is lower.\n\n- a list\n- stays"
    assert reflow(text) == joined


def test_values_read_as_a_learner_expects():
    assert [shown(True), shown(False), shown(None), shown(0.000123456), shown(100.0, "updates")] == [
        "yes",
        "no",
        "-",
        "0.0001235",
        "100 updates",
    ]
    assert percent(None) == "-" and percent(0.755) == "76%"
    assert [shown(0.88, "fraction"), shown(12.0, "epoch"), shown(1.0, "epoch"), shown(1.86, "learning rate")] == [
        "88%",
        "12 epochs",
        "1 epoch",
        "1.86",
    ]
    assert shown(1000.0, "updates") == "1,000 updates" and shown(12345.0) == "1.234e+04"


def test_the_predicted_quantity_leads_the_key_numbers():
    from sims.result import MetricRow, SimResult

    result = SimResult(
        sim="s",
        params={},
        device="cpu",
        torch_version="x",
        seeds=[0],
        wall_seconds=1.0,
        variants=["16"],
        series=[],
        observables=[],
        diverged=[],
        metrics=[
            MetricRow(
                variant="16",
                values={"epoch_seconds": 1.0, "final_train_loss": 0.2, "final_val_loss": 0.3, "diverged_runs": 0},
            )
        ],
    )
    assert key_metrics(result, 3) == ["epoch_seconds", "final_train_loss", "final_val_loss"]
    assert key_metrics(result, 3, "lowest_val_loss_batch")[0] == "final_val_loss"
    assert key_metrics(result, 2, "final_train_loss") == ["final_train_loss", "epoch_seconds"]
    assert key_metrics(result, 3, "fastest_epoch") == ["epoch_seconds", "final_train_loss", "final_val_loss"]
