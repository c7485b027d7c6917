package dev.lakeml.monitoring;

import dev.lakeml.lakehouse.LakehouseException;
import java.time.LocalDate;
import java.util.Collection;

/** Every error the monitoring jobs show to people: what is wrong, why, and what to do. */
public final class MonitoringErrors {
  private MonitoringErrors() {}

  static LakehouseException noChampion(String model, Collection<String> aliases) {
    return new LakehouseException(
        "Model "
            + model
            + " has no champion"
            + (aliases.isEmpty() ? "" : " (its aliases: " + String.join(", ", aliases) + ")")
            + ": monitoring compares the champion's inputs and scores with its training set."
            + " Nothing was written. Promote a version first: lakeml models promote "
            + model
            + " VERSION.");
  }

  static LakehouseException notMonitored(String model, String task) {
    return wrongTask(
        model,
        task,
        "drift covers classifiers, whose inputs and score have a reference in their training"
            + " set");
  }

  static LakehouseException noTrainingSetVersion(String model, int version) {
    return new LakehouseException(
        "Version "
            + version
            + " of "
            + model
            + " records no training set version, so it has no reference to compare with."
            + " Nothing was written. Retrain the model (lakeml train "
            + model
            + ") and promote the new version.");
  }

  static LakehouseException referenceUnreadable(
      String model, int version, String location, long tableVersion, Exception cause) {
    return new LakehouseException(
        "The reference of "
            + model
            + " version "
            + version
            + " (its training set, "
            + location
            + " at Delta version "
            + tableVersion
            + ") cannot be read: "
            + cause.getMessage()
            + ". Nothing was written. If the table was vacuumed past that version, retrain and"
            + " promote a new version.",
        cause);
  }

  static LakehouseException futureDate(LocalDate date, LocalDate today) {
    return new LakehouseException(
        "--date "
            + date
            + " is after today ("
            + today
            + "): a day can be monitored once its predictions exist. Nothing was written.");
  }

  static LakehouseException performanceNotBuilt(String model, String task) {
    return wrongTask(
        model,
        task,
        "performance is measured for classifiers (AUC, log loss, calibration) and recommenders"
            + " (precision, recall and MAP at k)");
  }

  static LakehouseException noPredictions(String model, String location) {
    return new LakehouseException(
        "Model "
            + model
            + " has no predictions to judge: no table at "
            + location
            + ". Nothing was written. Run lakeml predict "
            + model
            + " --date D first.");
  }

  static LakehouseException badSample(int sample) {
    return new LakehouseException(
        "--sample "
            + sample
            + " compares no request: give a positive number. Nothing was written.");
  }

  static LakehouseException notScored(String model, String task) {
    return wrongTask(
        model,
        task,
        "skew compares the inputs of requests the API scored (POST /v1/score), which only"
            + " classifiers have; its nightly lists are looked up, not scored");
  }

  private static LakehouseException wrongTask(String model, String task, String why) {
    return new LakehouseException(
        "Model " + model + " is a " + task + " model: " + why + ". Nothing was written.");
  }

  static LakehouseException unknownVersion(String model, int version, LocalDate date) {
    return new LakehouseException(
        "serving.prediction_log holds requests of "
            + model
            + " version "
            + version
            + " on "
            + date
            + ", a version this lakehouse's registry does not know (ml.model_versions), so its"
            + " inputs cannot be recomputed. Nothing was written. Was the API serving models of"
            + " another lakehouse?");
  }

  static LakehouseException viewNotComputed(String view, String location) {
    return new LakehouseException(
        "Feature view "
            + view
            + " has not been computed ("
            + location
            + " does not exist), so the offline values cannot be recomputed. Nothing was written."
            + " Run lakeml features first.");
  }
}
