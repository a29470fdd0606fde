"""The words the benchmarks write their text with (no Django needed)."""

_SAMPLE_TEXT = """
patients often notice that the discomfort changes with posture and activity
during the day a physician examines the spine joints and nerves before
suggesting imaging most people improve with time gentle movement and physical
therapy medication can ease inflammation while strength returns surgery is
considered only when conservative care has not helped and the cause is clear
the recovery plan depends on age bone density general health and daily demands
a specialist explains the risks benefits and alternatives so that each person
can decide with confidence follow up visits track progress and adjust the plan
when symptoms change sleep nutrition and stress also shape how quickly tissues
heal walking swimming and cycling keep the back mobile without heavy strain
"""
VOCABULARY = tuple(_SAMPLE_TEXT.split())
