"""HL7 FHIR R4: a patient's record exported as one bundle, for another system."""
