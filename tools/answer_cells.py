"""How a student edition marks where a student answers, as ``otter assign`` writes it: the
tag of an answer cell and the text of a written answer not yet given. The editions write
these marks (:mod:`tools.editions`) and the grader reads them (:mod:`tools.grading`); both
import them from here, and neither imports the other for them."""

ANSWER_TAG = "otter_answer_cell"
RESPONSE = "_Type your answer here, replacing this text._"
